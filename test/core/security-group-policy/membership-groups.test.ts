// SPEC §1.3 with policies: annotation ∪ policy groups, or with neither the node groups.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { membershipGroupsWith } from '../../../src/core/security-group-policy/index.js';

const A = 'sg-0a000000000000001';
const B = 'sg-0b000000000000002';
const NODE = 'sg-0c1d2e3f405162738';

describe('membershipGroupsWith', () => {
  const table: [string, string[] | undefined, string[], { groups: string[]; from: string }][] = [
    ['neither: the node groups', undefined, [], { groups: [NODE], from: 'node-groups' }],
    ['annotation only', [B], [], { groups: [B], from: 'annotation' }],
    ['policies only: their groups instead of the node groups', undefined, [A], { groups: [A], from: 'policies' }],
    ['both: the union', [B], [A, B], { groups: [A, B], from: 'annotation+policies' }],
    ['annotation [] means no extra group, not the node groups', [], [], { groups: [], from: 'annotation' }],
    ['annotation [] with a policy: the policy groups', [], [A], { groups: [A], from: 'annotation+policies' }],
  ];
  it.each(table)('%s', (_name, annotation, policies, expected) => {
    expect(membershipGroupsWith(annotation, policies, [NODE])).toEqual(expected);
  });

  it('is a sorted, lowercased, de-duplicated union that takes node groups only with neither source', () => {
    const id = fc.constantFrom(A, B, NODE, 'SG-0A000000000000001');
    fc.assert(
      fc.property(fc.option(fc.array(id), { nil: undefined }), fc.array(id), fc.array(id), (annotation, policies, nodes) => {
        const { groups } = membershipGroupsWith(annotation, policies, nodes);
        const expected = annotation === undefined && policies.length === 0 ? nodes : [...(annotation ?? []), ...policies];
        expect(groups).toEqual([...new Set(expected.map((g) => g.toLowerCase()))].sort());
      }),
    );
  });
});
