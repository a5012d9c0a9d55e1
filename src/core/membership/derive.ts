// Which security groups a pod belongs to (SPEC §1): its annotation decides (and, when the policy
// reads SecurityGroupPolicies, the policies that match it: pod.ts), within what the membership
// policy and the namespace's allow-list permit.
import type { MembershipSource, PolicyMembershipSource, PolicyRef } from '../security-group-policy/index.js';
import { SG_ANNOTATION } from '../vocabulary.js';
import { groupsNamed, namespaceRefusal, type NamespaceFacts } from './annotation.js';
import { defaultMembership, type DefaultMembership } from './patch.js';

/** Read-only, and read on every pod request. */
export interface MembershipPolicy {
  /** Groups of pods without the annotation. */
  readonly nodeGroups: readonly string[];
  /** Every pod is in it (absent when the inventory has none). */
  readonly podDefaultGroup?: string;
  /** Trust and enforced groups: never named by users. */
  forbiddenGroups: ReadonlySet<string>;
  /** Groups the inventory knows; others warn, or deny when strict. */
  knownGroups: ReadonlySet<string>;
  strict: boolean;
  /** What a namespace without the allow-list annotation permits. */
  namespaceDefault: 'all' | 'none';
  /** What pods without the annotation get, made from nodeGroups and podDefaultGroup by withDefaults(). */
  readonly defaults: DefaultMembership;
  /** SecurityGroupPolicies as a second source of groups (setting securityGroupPolicies); absent when off. */
  readonly securityGroupPolicies?: PolicyMembershipSource;
}

/**
 * `byDefault`: the pod names no groups and no policy matches it, so `groups` are the policy's
 * default groups. `from` and `policies` say where the groups came from when SecurityGroupPolicies
 * are read (for explain and doctor); absent on the annotation-only path.
 */
export type Membership =
  | { ok: true; groups: readonly string[]; warnings: string[]; byDefault: boolean; from?: MembershipSource; policies?: readonly { policy: PolicyRef; groups: readonly string[] }[] }
  | { ok: false; message: string };

/** `base` ∪ the pod default group, sorted and distinct. */
function sortedGroups(base: readonly string[], podDefaultGroup: string | undefined): string[] {
  // The annotation's and the policies' groups arrive sorted and distinct: the pod default group is
  // then put in its place, without a set and a sort on every pod request.
  let ordered = true;
  for (let i = 1; i < base.length && ordered; i++) ordered = base[i - 1]! < base[i]!;
  if (!ordered) {
    const groups = new Set(base);
    if (podDefaultGroup) groups.add(podDefaultGroup);
    return [...groups].sort();
  }
  const out = [...base];
  if (!podDefaultGroup || out.includes(podDefaultGroup)) return out;
  const at = out.findIndex((g) => g > podDefaultGroup);
  if (at === -1) out.push(podDefaultGroup);
  else out.splice(at, 0, podDefaultGroup);
  return out;
}

/** The policy with its default membership made from its node groups and pod default group. */
export function withDefaults(policy: Omit<MembershipPolicy, 'defaults'>): MembershipPolicy {
  return { ...policy, defaults: defaultMembership(sortedGroups(policy.nodeGroups, policy.podDefaultGroup)) };
}

/** The groups a pod belongs to, from its annotations alone. */
export function deriveMembership(annotations: Record<string, string> | null | undefined, policy: MembershipPolicy, ns: NamespaceFacts, namespaceName = ''): Membership {
  const raw = annotations?.[SG_ANNOTATION];
  // Most pods: no annotation, so nothing to check and the policy's default groups.
  if (raw === undefined) return { ok: true, groups: policy.defaults.groups, warnings: [], byDefault: true };
  const parsed = groupsNamed(raw);
  if (!parsed.ok) return parsed;
  return membershipOfNamed(parsed.ids, policy, ns, namespaceName, SG_ANNOTATION);
}

/**
 * SPEC §1's checks on the groups a pod is given (`where` names their source in messages, and is
 * made only when a message is: the pod webhook asks this for every pod): the trust and enforced
 * groups are refused, the namespace's allow-list applies, unknown groups warn or, strict, deny; the
 * pod default group is added.
 */
export function membershipOfNamed(named: readonly string[], policy: MembershipPolicy, ns: NamespaceFacts, namespaceName: string, whereOf: string | (() => string)): Membership {
  const where = () => (typeof whereOf === 'string' ? whereOf : whereOf());
  const forbidden = named.filter((g) => policy.forbiddenGroups.has(g));
  if (forbidden.length) return { ok: false, message: `security group ${forbidden.join(', ')} is internal to the integration and cannot be named in ${where()}; use your own groups` };

  const refusal = namespaceRefusal(named, ns, policy.namespaceDefault, namespaceName);
  if (refusal) return { ok: false, message: refusal };

  const unknown = named.filter((g) => !policy.knownGroups.has(g) && g !== policy.podDefaultGroup);
  if (unknown.length && policy.strict) return { ok: false, message: `security group ${unknown.join(', ')} is not in the VPC sgbridge reads; create it in AWS first (strict mode)` };
  const warnings = unknown.map((g) => `${where()}: ${g} is not a security group sgbridge knows; no policy enforces it until it exists in the VPC`);

  return { ok: true, groups: sortedGroups(named, policy.podDefaultGroup), warnings, byDefault: false };
}
