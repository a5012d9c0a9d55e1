// Parser for Calico's selector language (libcalico-go/lib/selector/parser): `||` binds loosest,
// then `&&`, then `!` (which negates one operation or parenthesised expression). An empty
// selector means all().
import { SelectorError, tokenize, type Token } from './lexer.js';

export type SelectorNode =
  | { op: 'all' }
  | { op: 'global' }
  | { op: 'has'; label: string }
  | { op: 'eq' | 'ne' | 'contains' | 'startswith' | 'endswith'; label: string; value: string }
  | { op: 'in' | 'notin'; label: string; values: string[] }
  | { op: 'not'; operand: SelectorNode }
  | { op: 'and' | 'or'; operands: SelectorNode[] };

class Parser {
  private at = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
  ) {}

  private peek(): Token {
    return this.tokens[this.at] ?? this.tokens[this.tokens.length - 1]!;
  }
  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.at++;
    return t;
  }
  private fail(token: Token, problem: string): never {
    throw new SelectorError(this.source, token.pos, problem);
  }

  parseRoot(): SelectorNode {
    if (this.peek().kind === 'eof') return { op: 'all' };
    const node = this.parseOr();
    const rest = this.peek();
    if (rest.kind !== 'eof') this.fail(rest, rest.kind === 'rparen' ? 'unbalanced ) with no matching (' : `unexpected ${describe(rest)}; expected && or || between expressions`);
    return node;
  }

  private parseOr(): SelectorNode {
    const operands = [this.parseAnd()];
    while (this.peek().kind === 'or') {
      this.next();
      operands.push(this.parseAnd());
    }
    return operands.length === 1 ? operands[0]! : { op: 'or', operands };
  }

  private parseAnd(): SelectorNode {
    const operands = [this.parseOperation()];
    while (this.peek().kind === 'and') {
      this.next();
      operands.push(this.parseOperation());
    }
    return operands.length === 1 ? operands[0]! : { op: 'and', operands };
  }

  private parseOperation(): SelectorNode {
    let negated = false;
    while (this.peek().kind === 'not') {
      this.next();
      negated = !negated;
    }
    const node = this.parseTerm();
    return negated ? { op: 'not', operand: node } : node;
  }

  private parseTerm(): SelectorNode {
    const t = this.next();
    switch (t.kind) {
      case 'has':
        return { op: 'has', label: t.value };
      case 'all':
        return { op: 'all' };
      case 'global':
        return { op: 'global' };
      case 'lparen': {
        const inner = this.parseOr();
        const close = this.next();
        if (close.kind !== 'rparen') this.fail(close, `expected ) to close the ( at column ${t.pos + 1}, found ${describe(close)}`);
        return inner;
      }
      case 'label':
        return this.parseComparison(t);
      case 'eof':
        return this.fail(t, 'unexpected end of selector; expected an expression');
      default:
        return this.fail(t, `unexpected ${describe(t)}; expected a label, has(), all(), global(), ! or (`);
    }
  }

  private parseComparison(label: Token): SelectorNode {
    const op = this.next();
    switch (op.kind) {
      case 'eq':
      case 'ne':
      case 'contains':
      case 'startswith':
      case 'endswith': {
        const value = this.next();
        if (value.kind !== 'string') this.fail(value, `expected a quoted string after ${describe(op)}, found ${describe(value)}`);
        return { op: op.kind, label: label.value, value: value.value };
      }
      case 'in':
      case 'notin': {
        const open = this.next();
        if (open.kind !== 'lbrace') this.fail(open, `expected { after ${describe(op)}, found ${describe(open)}`);
        const values: string[] = [];
        // As in Calico: strings separated by commas; a trailing comma is tolerated.
        while (this.peek().kind === 'string') {
          values.push(this.next().value);
          if (this.peek().kind !== 'comma') break;
          this.next();
        }
        const close = this.next();
        if (close.kind !== 'rbrace') this.fail(close, `expected a quoted string or } in the set, found ${describe(close)}`);
        return { op: op.kind, label: label.value, values };
      }
      default:
        return this.fail(op, `expected an operator after label "${label.value}"`);
    }
  }
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'label':
      return `label "${t.value}"`;
    case 'string':
      return `string '${t.value}'`;
    case 'eof':
      return 'end of selector';
    case 'notin':
      return '"not in"';
    case 'startswith':
      return '"starts with"';
    case 'endswith':
      return '"ends with"';
    case 'has':
      return `has(${t.value})`;
    case 'all':
    case 'global':
      return `${t.kind}()`;
    default:
      return `"${{ lbrace: '{', rbrace: '}', comma: ',', eq: '==', ne: '!=', in: 'in', not: '!', contains: 'contains', lparen: '(', rparen: ')', and: '&&', or: '||' }[t.kind]}"`;
  }
}

/** Parses a selector; throws SelectorError naming the column on bad input. */
export function parseSelector(selector: string): SelectorNode {
  return new Parser(selector, tokenize(selector)).parseRoot();
}
