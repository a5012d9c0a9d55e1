// Where each of a pod's groups comes from (issue 22, for explain and doctor): the annotation, which
// SecurityGroupPolicy, the node groups (neither), the pod default group (always). Read off the
// one derivation (derivePodMembership), so what explain and doctor say is what the webhook does.
import type { MembershipSource } from '../security-group-policy/index.js';
import { SG_ANNOTATION } from '../vocabulary.js';
import { groupsNamed, type NamespaceFacts } from './annotation.js';
import type { MembershipPolicy } from './derive.js';
import { derivePodMembership, type PodMembershipFacts } from './pod.js';

export type GroupSource = { kind: 'annotation' } | { kind: 'security-group-policy'; namespace: string; name: string } | { kind: 'node-groups' } | { kind: 'pod-default-group' };

export interface GroupOrigin {
  group: string;
  /** Every source that gives the group, in the order annotation, policies by name, node groups, pod default group. */
  sources: GroupSource[];
}

export interface MembershipOrigin {
  /** Which sources decided: the annotation, policies, both, or neither (the node groups). */
  from: MembershipSource;
  /** The pod's groups, sorted, each with its sources. */
  groups: GroupOrigin[];
  /** Why SPEC §1 refuses what the sources name; the pod is then given only the pod default group. */
  problem?: string;
}

/** How a source reads in text. */
export function describeSource(source: GroupSource): string {
  switch (source.kind) {
    case 'annotation':
      return `annotation ${SG_ANNOTATION}`;
    case 'security-group-policy':
      return `SecurityGroupPolicy ${source.namespace}/${source.name}`;
    case 'node-groups':
      return 'node groups';
    case 'pod-default-group':
      return 'pod default group';
  }
}

/** How `from` reads in text. */
export function describeFrom(from: MembershipSource): string {
  switch (from) {
    case 'annotation':
      return 'its annotation';
    case 'policies':
      return 'SecurityGroupPolicies';
    case 'annotation+policies':
      return 'its annotation and SecurityGroupPolicies';
    case 'node-groups':
      return 'the node groups (no annotation, no SecurityGroupPolicy selects it)';
  }
}

function annotationGroups(annotations: Record<string, string> | null | undefined): ReadonlySet<string> {
  const raw = annotations?.[SG_ANNOTATION];
  if (raw === undefined) return new Set();
  const named = groupsNamed(raw);
  return new Set(named.ok ? named.ids : []);
}

export function membershipOrigin(pod: PodMembershipFacts, policy: MembershipPolicy, ns: NamespaceFacts, namespaceName: string): MembershipOrigin {
  const m = derivePodMembership(pod, policy, ns, namespaceName);
  const podDefault: GroupSource[] = [{ kind: 'pod-default-group' }];
  const hasAnnotation = pod.annotations?.[SG_ANNOTATION] !== undefined;
  if (!m.ok) {
    return { from: hasAnnotation ? 'annotation' : 'policies', groups: policy.podDefaultGroup ? [{ group: policy.podDefaultGroup, sources: podDefault }] : [], problem: m.message };
  }
  // With the setting off the derivation does not say: the annotation, or the node groups without it.
  const from: MembershipSource = m.from ?? (m.byDefault ? 'node-groups' : 'annotation');
  const annotated = annotationGroups(pod.annotations);
  const nodeGroups = new Set(from === 'node-groups' ? policy.nodeGroups : []);
  const groups = m.groups.map((group): GroupOrigin => {
    const sources: GroupSource[] = [];
    if (annotated.has(group)) sources.push({ kind: 'annotation' });
    for (const p of m.policies ?? []) if (p.groups.includes(group)) sources.push({ kind: 'security-group-policy', namespace: p.policy.namespace, name: p.policy.name });
    if (nodeGroups.has(group)) sources.push({ kind: 'node-groups' });
    if (group === policy.podDefaultGroup) sources.push(...podDefault);
    return { group, sources };
  });
  return { from, groups };
}
