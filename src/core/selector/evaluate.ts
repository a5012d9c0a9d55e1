// Evaluation over a label map, as Calico's AST nodes do: `!=` and `not in` are true when the label
// is absent; `==`, `in`, `contains`, `starts with`, `ends with` need the label. all() and global()
// match everything here; global()'s scoping meaning is applied where namespace selectors are
// converted (see ../explain).
import type { SelectorNode } from './parser.js';

export type Labels = Readonly<Record<string, string>>;

export function evaluate(node: SelectorNode, labels: Labels): boolean {
  const get = (k: string): string | undefined => (Object.prototype.hasOwnProperty.call(labels, k) ? labels[k] : undefined);
  switch (node.op) {
    case 'all':
    case 'global':
      return true;
    case 'has':
      return get(node.label) !== undefined;
    case 'eq':
      return get(node.label) === node.value;
    case 'ne':
      return get(node.label) !== node.value;
    case 'contains': {
      const v = get(node.label);
      return v !== undefined && v.includes(node.value);
    }
    case 'startswith': {
      const v = get(node.label);
      return v !== undefined && v.startsWith(node.value);
    }
    case 'endswith': {
      const v = get(node.label);
      return v !== undefined && v.endsWith(node.value);
    }
    case 'in': {
      const v = get(node.label);
      return v !== undefined && node.values.includes(v);
    }
    case 'notin': {
      const v = get(node.label);
      return v === undefined || !node.values.includes(v);
    }
    case 'not':
      return !evaluate(node.operand, labels);
    case 'and':
      return node.operands.every((o) => evaluate(o, labels));
    case 'or':
      return node.operands.some((o) => evaluate(o, labels));
  }
}
