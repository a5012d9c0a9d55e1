// Tokenizer for Calico's selector language, following libcalico-go/lib/selector/tokenizer:
// whitespace is space or tab, label names are [a-zA-Z0-9_./-]+, strings take single or double
// quotes (no escapes), and after a label only an operator may follow.

export type TokenKind =
  | 'label'
  | 'string'
  | 'lbrace'
  | 'rbrace'
  | 'comma'
  | 'eq'
  | 'ne'
  | 'in'
  | 'notin'
  | 'not'
  | 'contains'
  | 'startswith'
  | 'endswith'
  | 'all'
  | 'global'
  | 'has'
  | 'lparen'
  | 'rparen'
  | 'and'
  | 'or'
  | 'eof';

export interface Token {
  kind: TokenKind;
  /** Label name, string value or has() label; empty for punctuation. */
  value: string;
  /** 0-based offset of the token's first character in the selector. */
  pos: number;
}

export class SelectorError extends Error {
  constructor(
    readonly selector: string,
    /** 0-based offset where the problem is. */
    readonly position: number,
    readonly problem: string,
  ) {
    super(`invalid selector ${JSON.stringify(selector)} at column ${position + 1}: ${problem}\n  ${selector}\n  ${' '.repeat(position)}^`);
    this.name = 'SelectorError';
  }
}

const WHITESPACE = new Set([' ', '\t']);
const LABEL_CHAR = /[a-zA-Z0-9_./-]/;

function labelAt(input: string, at: number): string {
  let end = at;
  while (end < input.length && LABEL_CHAR.test(input[end]!)) end++;
  return input.slice(at, end);
}

function skipSpace(input: string, at: number): number {
  while (at < input.length && WHITESPACE.has(input[at]!)) at++;
  return at;
}

export function tokenize(input: string): Token[] {
  const tokens: Token[] = [];
  const fail = (pos: number, problem: string): never => {
    throw new SelectorError(input, pos, problem);
  };
  let i = 0;
  for (;;) {
    i = skipSpace(input, i);
    if (i >= input.length) {
      tokens.push({ kind: 'eof', value: '', pos: input.length });
      return tokens;
    }
    const start = i;
    const c = input[i]!;
    const push = (kind: TokenKind, length: number, value = '') => {
      tokens.push({ kind, value, pos: start });
      i += length;
    };
    const lastKind = tokens[tokens.length - 1]?.kind;
    switch (c) {
      case '(':
        push('lparen', 1);
        continue;
      case ')':
        push('rparen', 1);
        continue;
      case '{':
        push('lbrace', 1);
        continue;
      case '}':
        push('rbrace', 1);
        continue;
      case ',':
        push('comma', 1);
        continue;
      case '"':
      case "'": {
        const close = input.indexOf(c, i + 1);
        if (close === -1) fail(start, `unterminated string (no closing ${c})`);
        tokens.push({ kind: 'string', value: input.slice(i + 1, close), pos: start });
        i = close + 1;
        continue;
      }
      case '=':
        if (input[i + 1] === '=') push('eq', 2);
        else fail(start, 'expected == (a single = is not an operator)');
        continue;
      case '!':
        if (input[i + 1] === '=') push('ne', 2);
        else push('not', 1);
        continue;
      case '&':
        if (input[i + 1] === '&') push('and', 2);
        else fail(start, 'expected &&');
        continue;
      case '|':
        if (input[i + 1] === '|') push('or', 2);
        else fail(start, 'expected ||');
        continue;
    }
    const rest = input.slice(i);
    if (lastKind === 'label') {
      // After a label only an operator may follow (Calico reads "a in" as an operator, not a label).
      const word = (w: string) => rest.startsWith(w);
      const twoWords = (first: string, second: string, kind: TokenKind) => {
        const after = skipSpace(input, i + first.length);
        if (!input.startsWith(second, after)) fail(start, `expected "${first} ${second}" after label "${tokens[tokens.length - 1]!.value}"`);
        tokens.push({ kind, value: '', pos: start });
        i = after + second.length;
      };
      if (word('contains')) push('contains', 'contains'.length);
      else if (word('starts')) twoWords('starts', 'with', 'startswith');
      else if (word('ends')) twoWords('ends', 'with', 'endswith');
      else if (word('not')) twoWords('not', 'in', 'notin');
      else if (word('in')) push('in', 2);
      else fail(start, `expected an operator (==, !=, in, not in, contains, starts with, ends with) after label "${tokens[tokens.length - 1]!.value}"`);
      continue;
    }
    const fn = /^(has|all|global)\(/.exec(rest);
    if (fn) {
      const name = fn[1] as 'has' | 'all' | 'global';
      let at = skipSpace(input, i + fn[0].length);
      let value = '';
      if (name === 'has') {
        value = labelAt(input, at);
        if (!value) fail(at, 'expected a label name in has( )');
        at = skipSpace(input, at + value.length);
      }
      if (input[at] !== ')') fail(at, `expected ) to close ${name}(`);
      tokens.push({ kind: name, value, pos: start });
      i = at + 1;
      continue;
    }
    const label = labelAt(input, i);
    if (!label) fail(start, `unexpected character ${JSON.stringify(c)}`);
    push('label', label.length, label);
  }
}
