// SPEC §1.3 with SecurityGroupPolicies: a pod's groups are its annotation's groups ∪ the groups of
// the policies that match it; with neither (no annotation and no matching policy) the node groups.
// The pod default group is not added here: the membership derivation adds it to every pod.

export type MembershipSource = 'annotation' | 'policies' | 'annotation+policies' | 'node-groups';

export interface MembershipGroups {
  /** Lowercased, de-duplicated, sorted. */
  groups: string[];
  /** Where the groups came from, for explain and doctor. */
  from: MembershipSource;
}

const sortedUnion = (...lists: (readonly string[])[]): string[] => [...new Set(lists.flat().map((g) => g.toLowerCase()))].sort();

/**
 * `annotationGroups` is undefined when the pod has no annotation; `[]` is an annotation that names
 * no group (only the pod default group), which is not "neither", so the node groups stay out.
 */
export function membershipGroupsWith(annotationGroups: readonly string[] | undefined, policyGroups: readonly string[], nodeGroups: readonly string[]): MembershipGroups {
  const fromPolicies = policyGroups.length > 0;
  if (annotationGroups === undefined) return fromPolicies ? { groups: sortedUnion(policyGroups), from: 'policies' } : { groups: sortedUnion(nodeGroups), from: 'node-groups' };
  return { groups: sortedUnion(annotationGroups, policyGroups), from: fromPolicies ? 'annotation+policies' : 'annotation' };
}
