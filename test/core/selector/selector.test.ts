// Cases checked against Calico's selector documentation and libcalico-go's parser/AST semantics.
import { describe, expect, it } from 'vitest';
import { evaluate, matches, parseSelector, prefixLabels, printSelector, SelectorError } from '../../../src/core/selector/index.js';

const pod = {
  app: 'web',
  tier: 'frontend',
  'sg.aws.tigera.io/sg-98765432109876': '',
  'kubernetes.io/metadata.name': 'integration-demo',
  'team.example.com/owner': 'payments-team',
  'my_label-x': 'v1.2',
};

describe('selector evaluation (Calico semantics)', () => {
  const cases: [string, boolean][] = [
    // == and !=
    ["app == 'web'", true],
    ['app == "web"', true],
    ["app == 'db'", false],
    ["missing == 'x'", false],
    ["app != 'db'", true],
    ["app != 'web'", false],
    ["missing != 'x'", true], // != is true when the label is absent
    // has
    ['has(app)', true],
    ['has(missing)', false],
    ['!has(missing)', true],
    ['!has(app)', false],
    ['has(sg.aws.tigera.io/sg-98765432109876)', true],
    ['has( sg.aws.tigera.io/sg-98765432109876 )', true],
    ['has(sg.aws.tigera.io/sg-12345678901234)', false],
    // in / not in
    ["app in {'web', 'db'}", true],
    ["app in {'db'}", false],
    ['app in {}', false],
    ["missing in {'x'}", false],
    ["app not in {'db', 'cache'}", true],
    ["app not in {'web'}", false],
    ["missing not in {'x'}", true], // not in is true when the label is absent
    ["app in {'web',}", true], // Calico tolerates a trailing comma
    ['app in {"web","db"}', true],
    // contains / starts with / ends with
    ["team.example.com/owner contains 'pay'", true],
    ["team.example.com/owner contains 'xyz'", false],
    ["team.example.com/owner starts with 'payments'", true],
    ["team.example.com/owner starts with 'team'", false],
    ["team.example.com/owner ends with '-team'", true],
    ["team.example.com/owner ends with 'pay'", false],
    ["missing contains ''", false],
    ["missing starts with ''", false],
    ["missing ends with ''", false],
    ["my_label-x starts   with 'v1'", true],
    // all / global / empty
    ['all()', true],
    ['global()', true],
    ['', true],
    ['   ', true],
    ['!all()', false],
    // && || ! and precedence
    ["app == 'web' && tier == 'frontend'", true],
    ["app == 'web' && tier == 'backend'", false],
    ["app == 'db' || tier == 'frontend'", true],
    ["app == 'db' || tier == 'backend'", false],
    ["app == 'db' && tier == 'backend' || has(app)", true], // && binds tighter than ||
    ["app == 'db' && (tier == 'backend' || has(app))", false],
    ["has(app) || app == 'db' && tier == 'x'", true],
    ["(has(app) || app == 'db') && tier == 'x'", false],
    ["!app == 'db'", true], // ! negates the whole comparison app == 'db'
    ["!app == 'web'", false],
    ["!(app == 'web' || tier == 'x')", false],
    ["!!has(app)", true],
    ["! ! ! has(app)", false],
    ["!has(missing) && !has(other)", true],
    // whitespace: spaces and tabs anywhere between tokens, none needed
    ["app=='web'&&tier=='frontend'", true],
    ["\tapp\t==\t'web'\t", true],
    ["app in{'web'}", true],
    // quoting: either quote kind, the other kind inside
    [`app == "we'b"`, false],
    [`tier != 'a"b'`, true],
    // label names with / . - _
    ["kubernetes.io/metadata.name == 'integration-demo'", true],
    ["my_label-x == 'v1.2'", true],
  ];
  it.each(cases)('%s → %s', (selector, expected) => {
    expect(matches(selector, pod)).toBe(expected);
  });

  it('the same selector gives different answers for different labels', () => {
    const ast = parseSelector("app == 'web' && !has(debug)");
    expect(evaluate(ast, { app: 'web' })).toBe(true);
    expect(evaluate(ast, { app: 'web', debug: '' })).toBe(false);
    expect(evaluate(ast, {})).toBe(false);
  });

  it('empty label value is a present label', () => {
    expect(matches("k == ''", { k: '' })).toBe(true);
    expect(matches("k != ''", { k: '' })).toBe(false);
    expect(matches('has(k)', { k: '' })).toBe(true);
  });

  it('does not see inherited object properties as labels', () => {
    expect(matches('has(constructor)', {})).toBe(false);
    expect(matches("toString != 'x'", {})).toBe(true);
  });
});

describe('selector parse errors name the column', () => {
  const bad: [string, number, RegExp][] = [
    ["app = 'web'", 5, /expected ==/],
    ["app == web", 8, /quoted string/],
    ["app == 'web", 8, /unterminated string/],
    ["app == 'web' &", 14, /expected &&/],
    ["app == 'web' | x", 14, /expected \|\|/],
    ["app 'web'", 5, /expected an operator/],
    ["app in 'web'", 8, /expected \{/],
    ["app in {'web'", 14, /expected a quoted string or \}/],
    ['has()', 5, /label name/],
    ['has(a', 6, /expected \) to close has/],
    ['all(x)', 5, /expected \) to close all/],
    ["(app == 'web'", 14, /expected \) to close the \(/],
    ["app == 'web')", 13, /unbalanced \)/],
    ["app == 'web' has(x)", 14, /expected && or \|\|/],
    ["app == 'web' &&", 16, /unexpected end/],
    ['app starts at', 5, /starts with/],
    ['app not at', 5, /not in/],
    ['#', 1, /unexpected character/],
    ["a == 'x'\nb", 9, /unexpected character/],
  ];
  it.each(bad)('%j fails at column %i', (selector, column, message) => {
    let err: unknown;
    try {
      parseSelector(selector);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SelectorError);
    expect((err as SelectorError).position + 1).toBe(column);
    expect((err as SelectorError).message).toMatch(message);
    expect((err as SelectorError).message).toContain(`column ${column}`);
  });
});

describe("agreement with libcalico-go's parser on edge cases", () => {
  it('accepts the keyword operators without inner spaces, as Calico does', () => {
    expect(matches("a startswith 'x'", { a: 'xy' })).toBe(true);
    expect(matches("a endswith 'y'", { a: 'xy' })).toBe(true);
    expect(matches("a notin {'x'}", { a: 'y' })).toBe(true);
  });
  it('quotes of the other kind inside set members', () => {
    const sel = `a in {"'", '"', "c"}`;
    expect(matches(sel, { a: "'" })).toBe(true);
    expect(matches(sel, { a: '"' })).toBe(true);
    expect(matches(sel, { a: 'e' })).toBe(false);
  });
  it('! negates a whole set test, and De Morgan holds', () => {
    expect(matches('!a in {"a"}', { a: 'b' })).toBe(true);
    expect(matches('!a in {"a"}', {})).toBe(true);
    expect(matches('!(!has(a) || has(b))', { a: 'a' })).toBe(true);
    expect(matches("! a == 'a1' || ! b == 'b1'", { a: 'a1', b: 'b1' })).toBe(false);
  });
  it.each(['b == b', 'b contains b', "'b1' == b", 'b', 'a b', '!', 'foo != ||', 'foo in {"", ||', 'foo in ""', '"FOO\'', '(', ')', '()', '%', 'a == "b" || %', 'has(foo) &&'])('rejects %j', (sel) => {
    expect(() => parseSelector(sel)).toThrow(SelectorError);
  });
});

describe('printing and prefixing', () => {
  it('prints in canonical form and round-trips', () => {
    const s = "a == 'x' && (b in {'1', '2'} || !has(c)) && d starts with \"p\"";
    const printed = printSelector(parseSelector(s));
    expect(printed).toBe('(a == "x" && (b in {"1", "2"} || !has(c)) && d starts with "p")');
    expect(printSelector(parseSelector(printed))).toBe(printed);
  });
  it('prefixes label names the way Calico scopes namespace selectors', () => {
    const ast = prefixLabels(parseSelector("env == 'prod' && !has(x) || all()"), 'pcns.');
    expect(printSelector(ast)).toBe('((pcns.env == "prod" && !has(pcns.x)) || all())');
    expect(evaluate(ast, { 'pcns.env': 'prod' })).toBe(true);
  });
});
