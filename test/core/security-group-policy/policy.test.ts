// Reading one SecurityGroupPolicy: malformed objects are reported with the path of the bad field.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compilePolicy, groupsFromPolicies } from '../../../src/core/security-group-policy/index.js';
import { sgp } from './builders.js';

const A = 'sg-0a000000000000001';

describe('compilePolicy', () => {
  it('compiles a valid policy: its groups lowercased, de-duplicated and sorted', () => {
    const p = compilePolicy(sgp('p', 'shop', { podSelector: {}, groupIds: ['sg-0B000000000000002', A, A] }));
    expect(p).toMatchObject({ valid: true, ref: { namespace: 'shop', name: 'p' }, groups: [A, 'sg-0b000000000000002'], warnings: [] });
  });

  it('takes the namespace and name from the request where the object lacks them', () => {
    const p = compilePolicy({ spec: { podSelector: {}, securityGroups: { groupIds: [A] } } }, { namespace: 'shop', name: 'from-request' });
    expect(p.ref).toEqual({ namespace: 'shop', name: 'from-request' });
  });

  it.each([
    ['spec not an object', { metadata: { name: 'p' }, spec: 'x' }, 'spec: '],
    ['groupIds not a list', { spec: { podSelector: {}, securityGroups: { groupIds: A } } }, 'spec.securityGroups.groupIds: '],
    ['a group id not a string', { spec: { podSelector: {}, securityGroups: { groupIds: [A, 7] } } }, 'spec.securityGroups.groupIds[1]: '],
    ['matchLabels not strings', { spec: { podSelector: { matchLabels: { a: 1 } }, securityGroups: { groupIds: [A] } } }, 'spec.podSelector.matchLabels.a: '],
    ['an expression without operator', { spec: { serviceAccountSelector: { matchExpressions: [{ key: 'a' }] }, securityGroups: { groupIds: [A] } } }, 'spec.serviceAccountSelector.matchExpressions[0].operator: '],
    ['not an object at all', 'text', '(object): '],
  ])('reports %s with its path', (_name, raw, path) => {
    const p = compilePolicy(raw);
    expect(p.valid).toBe(false);
    expect(!p.valid && p.reason.startsWith(path), !p.valid ? p.reason : '').toBe(true);
  });

  it('leaves out an item that is not a group id, with a warning, and is invalid when none is left', () => {
    const some = compilePolicy(sgp('p', 'shop', { podSelector: {}, groupIds: [A, 'sg-f7990sfng33684fad'] }));
    expect(some).toMatchObject({ valid: true, groups: [A], warnings: [expect.stringContaining('spec.securityGroups.groupIds[1]: "sg-f7990sfng33684fad" is not a security group id')] });
    const none = compilePolicy(sgp('p', 'shop', { podSelector: {}, groupIds: ['web-servers'] }));
    expect(none).toMatchObject({ valid: false, reason: expect.stringContaining('spec.securityGroups.groupIds holds no security group id') });
  });

  it('refuses more groups than the annotation may name', () => {
    const ids = Array.from({ length: 65 }, (_, i) => `sg-${i.toString(16).padStart(17, '0')}`);
    expect(compilePolicy(sgp('p', 'shop', { podSelector: {}, groupIds: ids }))).toMatchObject({ valid: false, reason: expect.stringContaining('names 65 groups; at most 64') });
  });
});

describe('untrusted input', () => {
  it('never throws: any JSON is a valid policy or an invalid one with a reason', () => {
    const selector = fc.oneof(fc.anything(), fc.record({ matchLabels: fc.anything(), matchExpressions: fc.array(fc.record({ key: fc.string(), operator: fc.string(), values: fc.anything() }, { requiredKeys: [] })) }, { requiredKeys: [] }));
    const raw = fc.oneof(fc.anything(), fc.record({ metadata: fc.anything(), spec: fc.record({ podSelector: selector, serviceAccountSelector: selector, securityGroups: fc.record({ groupIds: fc.oneof(fc.anything(), fc.array(fc.string())) }) }, { requiredKeys: [] }) }, { requiredKeys: [] }));
    fc.assert(
      fc.property(raw, fc.dictionary(fc.string(), fc.string()), (value, labels) => {
        const p = compilePolicy(value, { namespace: 'shop' });
        if (p.valid) expect(p.groups.length).toBeGreaterThan(0);
        else expect(p.reason).toMatch(/\S/);
        expect(() => groupsFromPolicies({ pod: { namespace: 'shop', labels }, serviceAccountLabels: labels, policies: [p] })).not.toThrow();
      }),
      { numRuns: 1000 },
    );
  });
});
