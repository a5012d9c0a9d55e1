// Prints a selector AST back in Calico's canonical form (parenthesised && / ||).
import type { SelectorNode } from './parser.js';

function quote(s: string): string {
  return s.includes('"') ? `'${s}'` : `"${s}"`;
}

export function printSelector(node: SelectorNode): string {
  switch (node.op) {
    case 'all':
    case 'global':
      return `${node.op}()`;
    case 'has':
      return `has(${node.label})`;
    case 'eq':
      return `${node.label} == ${quote(node.value)}`;
    case 'ne':
      return `${node.label} != ${quote(node.value)}`;
    case 'contains':
      return `${node.label} contains ${quote(node.value)}`;
    case 'startswith':
      return `${node.label} starts with ${quote(node.value)}`;
    case 'endswith':
      return `${node.label} ends with ${quote(node.value)}`;
    case 'in':
    case 'notin':
      return `${node.label} ${node.op === 'in' ? 'in' : 'not in'} {${node.values.map(quote).join(', ')}}`;
    case 'not':
      return `!${printSelector(node.operand)}`;
    case 'and':
    case 'or':
      return `(${node.operands.map(printSelector).join(node.op === 'and' ? ' && ' : ' || ')})`;
  }
}
