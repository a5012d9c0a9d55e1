// metav1.LabelSelector as apimachinery's LabelSelectorAsSelector reads it: what matches, and what
// it refuses (each refusal names the field).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compileLabelSelector, type LabelSelector, type LabelSelectorMatcher } from '../../../src/core/security-group-policy/index.js';

function compiled(selector: LabelSelector): LabelSelectorMatcher {
  const c = compileLabelSelector(selector, 'spec.podSelector');
  if (!c.ok) throw new Error(c.problem);
  return c.selector;
}

const problem = (selector: unknown) => {
  const c = compileLabelSelector(selector as LabelSelector, 'spec.podSelector');
  return c.ok ? undefined : c.problem;
};

describe('matching', () => {
  const cases: [string, LabelSelector, Record<string, string> | undefined, boolean][] = [
    ['{} matches a pod without labels', {}, undefined, true],
    ['{} matches any labels', {}, { app: 'x' }, true],
    ['empty lists are {}', { matchLabels: {}, matchExpressions: [] }, { app: 'x' }, true],
    ['null lists are {}', { matchLabels: null, matchExpressions: null }, {}, true],
    ['matchLabels equal', { matchLabels: { role: 'db' } }, { role: 'db', other: '1' }, true],
    ['matchLabels other value', { matchLabels: { role: 'db' } }, { role: 'web' }, false],
    ['matchLabels missing key', { matchLabels: { role: 'db' } }, {}, false],
    ['matchLabels empty value needs the key', { matchLabels: { role: '' } }, {}, false],
    ['matchLabels empty value', { matchLabels: { role: '' } }, { role: '' }, true],
    ['In', { matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'production'] }] }, { env: 'qa' }, true],
    ['In, other value', { matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'production'] }] }, { env: 'dev' }, false],
    ['In, key absent', { matchExpressions: [{ key: 'env', operator: 'In', values: ['qa'] }] }, {}, false],
    ['NotIn, other value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['qa'] }] }, { env: 'dev' }, true],
    ['NotIn, listed value', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['qa'] }] }, { env: 'qa' }, false],
    ['NotIn, key absent matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['qa'] }] }, {}, true],
    ['Exists', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, { env: '' }, true],
    ['Exists, absent', { matchExpressions: [{ key: 'env', operator: 'Exists', values: [] }] }, {}, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, {}, true],
    ['DoesNotExist, present', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist', values: null }] }, { env: 'x' }, false],
    ['prefixed keys', { matchLabels: { 'app.kubernetes.io/name': 'db' } }, { 'app.kubernetes.io/name': 'db' }, true],
    [
      'matchLabels AND matchExpressions (the AWS sample)',
      { matchLabels: { role: 'db' }, matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] },
      { role: 'db', environment: 'production' },
      true,
    ],
    [
      'matchLabels AND matchExpressions, one fails',
      { matchLabels: { role: 'db' }, matchExpressions: [{ key: 'environment', operator: 'In', values: ['production', 'qa'] }] },
      { role: 'db', environment: 'dev' },
      false,
    ],
    ['keys are case-sensitive', { matchLabels: { Role: 'db' } }, { role: 'db' }, false],
    ['inherited properties are not labels', { matchExpressions: [{ key: 'constructor', operator: 'Exists' }] }, {}, false],
  ];
  it.each(cases)('%s', (_name, selector, labels, expected) => {
    expect(compiled(selector).matches(labels)).toBe(expected);
  });
});

describe('what LabelSelectorAsSelector refuses', () => {
  const cases: [string, unknown, string][] = [
    ['an unknown operator', { matchExpressions: [{ key: 'a', operator: 'Equals', values: ['x'] }] }, 'spec.podSelector.matchExpressions[0].operator: "Equals" is not a valid label selector operator; expected In, NotIn, Exists, DoesNotExist'],
    ['a lowercase operator', { matchExpressions: [{ key: 'a', operator: 'in', values: ['x'] }] }, 'matchExpressions[0].operator: "in" is not a valid'],
    ['Gt, which only node selectors have', { matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] }, 'matchExpressions[0].operator: "Gt"'],
    ['In with no values', { matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }, 'matchExpressions[0].values: operator In needs at least one value'],
    ['NotIn with values null', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: null }] }, 'matchExpressions[0].values: operator NotIn needs at least one value'],
    ['Exists with values', { matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] }, 'matchExpressions[0].values: operator Exists takes no values'],
    ['DoesNotExist with values', { matchExpressions: [{ key: 'a', operator: 'DoesNotExist', values: ['x'] }] }, 'matchExpressions[0].values: operator DoesNotExist takes no values'],
    ['an empty key', { matchExpressions: [{ key: '', operator: 'Exists' }] }, 'matchExpressions[0].key: "" is not a label key: the name part must be non-empty'],
    ['two slashes', { matchExpressions: [{ key: 'a/b/c', operator: 'Exists' }] }, 'matchExpressions[0].key: "a/b/c" is not a label key'],
    ['an empty prefix', { matchExpressions: [{ key: '/b', operator: 'Exists' }] }, 'the prefix before \'/\' must be non-empty'],
    ['an uppercase prefix', { matchLabels: { 'Example.com/b': 'x' } }, 'spec.podSelector.matchLabels["Example.com/b"]: "Example.com/b" is not a label key: the prefix must be a lowercase DNS subdomain'],
    ['a 64-character name', { matchLabels: { ['a'.repeat(64)]: 'x' } }, 'the name part must be at most 63 characters'],
    ['a name ending in a dash', { matchLabels: { 'app-': 'x' } }, 'the name part must consist of alphanumeric characters'],
    ['a bad matchLabels value', { matchLabels: { app: 'has space' } }, 'spec.podSelector.matchLabels["app"]: "has space" is not a label value'],
    ['a 64-character value', { matchLabels: { app: 'v'.repeat(64) } }, 'is not a label value: at most 63 characters'],
    ['a bad expression value', { matchExpressions: [{ key: 'a', operator: 'In', values: ['ok', '-bad'] }] }, 'matchExpressions[0].values[1]: "-bad" is not a label value'],
  ];
  it.each(cases)('%s', (_name, selector, expected) => {
    expect(problem(selector)).toContain(expected);
  });

  it('reports the first bad matchLabels key in key order, whatever order the object has', () => {
    expect(problem({ matchLabels: { 'z-': 'x', 'b-': 'y' } })).toContain('matchLabels["b-"]');
  });
});

describe('anchor (the label a selector requires, for indexing)', () => {
  it.each([
    ['{}', {}, undefined],
    ['NotIn, Exists and DoesNotExist require no value', { matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['x'] }, { key: 'b', operator: 'Exists' }, { key: 'c', operator: 'DoesNotExist' }] }, undefined],
    ['matchLabels is In with one value', { matchLabels: { role: 'db' } }, { key: 'role', values: ['db'] }],
    ['the In with the fewest values', { matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'prod'] }, { key: 'tier', operator: 'In', values: ['web'] }] }, { key: 'tier', values: ['web'] }],
  ] as [string, LabelSelector, unknown][])('%s', (_name, selector, anchor) => {
    expect(compiled(selector).anchor).toEqual(anchor);
  });

  it('never matches labels without the anchor value', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.constantFrom('role', 'env'), fc.constantFrom('db', 'qa', 'x')), (have) => {
        const selector = compiled({ matchLabels: { role: 'db' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['qa', 'x'] }] });
        const { key, values } = selector.anchor!;
        if (selector.matches(have)) expect(values).toContain(have[key]);
      }),
    );
  });
});

describe('properties', () => {
  const key = fc.constantFrom('app', 'role', 'env', 'example.com/tier');
  const value = fc.constantFrom('', 'a', 'b', 'db');
  const labels = fc.dictionary(key, value, { maxKeys: 4 });

  it('matchLabels matches exactly the label sets that hold every pair', () => {
    fc.assert(
      fc.property(labels, labels, (wanted, have) => {
        const expected = Object.entries(wanted).every(([k, v]) => Object.hasOwn(have, k) && have[k] === v);
        expect(compiled({ matchLabels: wanted }).matches(have)).toBe(expected);
      }),
    );
  });

  it('NotIn is the negation of In, and DoesNotExist of Exists', () => {
    fc.assert(
      fc.property(key, fc.uniqueArray(value, { minLength: 1, maxLength: 3 }), labels, (k, values, have) => {
        const inSel = compiled({ matchExpressions: [{ key: k, operator: 'In', values }] });
        const notIn = compiled({ matchExpressions: [{ key: k, operator: 'NotIn', values }] });
        expect(notIn.matches(have)).toBe(!inSel.matches(have));
        const exists = compiled({ matchExpressions: [{ key: k, operator: 'Exists' }] });
        const absent = compiled({ matchExpressions: [{ key: k, operator: 'DoesNotExist' }] });
        expect(absent.matches(have)).toBe(!exists.matches(have));
      }),
    );
  });

  it('matchLabels {k: v} is matchExpressions k In [v], and requirements AND', () => {
    fc.assert(
      fc.property(labels, labels, (wanted, have) => {
        const asExpressions = compiled({ matchExpressions: Object.entries(wanted).map(([k, v]) => ({ key: k, operator: 'In', values: [v] })) });
        expect(asExpressions.matches(have)).toBe(compiled({ matchLabels: wanted }).matches(have));
      }),
    );
  });
});
