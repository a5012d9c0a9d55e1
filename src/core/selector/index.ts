// Calico's selector language: parse once, evaluate against label maps.
import { evaluate, type Labels } from './evaluate.js';
import { parseSelector, type SelectorNode } from './parser.js';

export { SelectorError, tokenize, type Token, type TokenKind } from './lexer.js';
export { parseSelector, type SelectorNode } from './parser.js';
export { evaluate, type Labels } from './evaluate.js';
export { printSelector } from './print.js';

/** Parse-and-evaluate; throws SelectorError on a bad selector. */
export function matches(selector: string, labels: Labels): boolean {
  return evaluate(parseSelector(selector), labels);
}

/** Rewrites every label name with a prefix (Calico's PrefixVisitor: `pcns.`, `pcsa.`). */
export function prefixLabels(node: SelectorNode, prefix: string): SelectorNode {
  switch (node.op) {
    case 'all':
    case 'global':
      return node;
    case 'not':
      return { op: 'not', operand: prefixLabels(node.operand, prefix) };
    case 'and':
    case 'or':
      return { op: node.op, operands: node.operands.map((o) => prefixLabels(o, prefix)) };
    default:
      return { ...node, label: prefix + node.label };
  }
}
