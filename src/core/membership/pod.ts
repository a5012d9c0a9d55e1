// A pod's membership from everything SPEC §1.3 reads: its annotation and, when the membership
// policy reads SecurityGroupPolicies, the policies of its namespace that match its labels and its
// ServiceAccount's. The mutating webhook, rule 6, the relabeller and explain all call this one
// function, so they cannot disagree. With the setting off it is deriveMembership itself.
import { isRecord } from '../read.js';
import { membershipGroupsWith, policyGroupsFor, type PolicyRef } from '../security-group-policy/index.js';
import type { NamespaceFacts } from './annotation.js';
import { deriveMembership, membershipOfNamed, type Membership, type MembershipPolicy } from './derive.js';

/** What membership reads of a pod. */
export interface PodMembershipFacts {
  annotations: Record<string, string> | null | undefined;
  /** All its labels: policies select on them (never on membership labels, which they may not name). */
  labels: Record<string, string> | null | undefined;
  serviceAccountName?: string | undefined;
}

/** A pod object's spec.serviceAccountName; undefined when absent or not a string (untrusted JSON). */
export function serviceAccountOf(pod: unknown): string | undefined {
  const spec = isRecord(pod) ? pod.spec : undefined;
  return isRecord(spec) && typeof spec.serviceAccountName === 'string' ? spec.serviceAccountName : undefined;
}

const refs = (sources: readonly { policy: PolicyRef }[]) => sources.map((s) => `${s.policy.namespace}/${s.policy.name}`).join(', ');

export function derivePodMembership(pod: PodMembershipFacts, policy: MembershipPolicy, ns: NamespaceFacts, namespaceName: string): Membership {
  const source = policy.securityGroupPolicies;
  const annotation = deriveMembership(pod.annotations, policy, ns, namespaceName);
  if (!source || !annotation.ok) return annotation;
  const matched = policyGroupsFor(pod, namespaceName, source);
  if (!matched || matched.groups.length === 0) return { ...annotation, from: annotation.byDefault ? 'node-groups' : 'annotation', policies: [] };
  // The policies' groups face the annotation's checks, with messages that name the policies. What a
  // policy held that is not a group id was reported when the policy was admitted, not on every pod.
  const fromPolicies = membershipOfNamed(matched.groups, policy, ns, namespaceName, () => `SecurityGroupPolicy ${refs(matched.sources)} spec.securityGroups.groupIds`);
  if (!fromPolicies.ok) return fromPolicies;
  // Without the annotation the policies' checked groups are the membership as they are (sorted,
  // distinct, with the pod default group): no second union on every pod request.
  if (annotation.byDefault) return { ok: true, groups: fromPolicies.groups, warnings: fromPolicies.warnings, byDefault: false, from: 'policies', policies: matched.sources };
  const { groups, from } = membershipGroupsWith(annotation.groups, fromPolicies.groups, []);
  return { ok: true, groups, warnings: [...annotation.warnings, ...fromPolicies.warnings], byDefault: false, from, policies: matched.sources };
}
