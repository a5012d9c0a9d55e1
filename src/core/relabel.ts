// Pods whose membership labels differ from what SPEC §1 derives (created while the webhook was
// unreachable under failurePolicy: Ignore, changed through a subresource, relabelled by a later
// mutating webhook, or in a namespace the webhook leaves out): the JSON patch that repairs each.
// The same rules and the same policy as the mutating webhook, in every namespace (SPEC §2.6). A
// pod whose annotation §1 would deny keeps only the pod default group: it must not carry groups
// it could not have been given.
import type { JsonPatchOp } from './admission-types.js';
import { derivePodMembership, membershipPatch, type MembershipPolicy } from './membership/index.js';

/** What the relabeller needs of a pod (the pod cache keeps no more). */
export interface PodFacts {
  namespace: string;
  name: string;
  uid?: string;
  resourceVersion?: string;
  /** Its membership labels (all its labels when SecurityGroupPolicies are read); undefined when the pod has no labels at all. */
  labels?: Record<string, string>;
  /** Its annotations (the security-groups annotation is the one read). */
  annotations?: Record<string, string>;
  nodeName?: string;
  serviceAccount?: string;
  terminating?: boolean;
}

export interface Relabel {
  namespace: string;
  name: string;
  resourceVersion?: string;
  ops: readonly JsonPatchOp[];
  problem?: string;
}

/** A namespace's annotations by name (the allow-list annotation is the one read); undefined when unknown. */
export type NamespaceAnnotationsLookup = (namespace: string) => Record<string, string> | undefined;

/** The groups a stored pod belongs to; one whose annotation §1 would deny gets only the pod default group. */
export function storedPodGroups(pod: PodFacts, policy: MembershipPolicy, namespaceAnnotations: NamespaceAnnotationsLookup): { groups: readonly string[]; problem?: string } {
  const m = derivePodMembership({ annotations: pod.annotations, labels: pod.labels, serviceAccountName: pod.serviceAccount }, policy, { allowList: 'on', annotations: namespaceAnnotations(pod.namespace) ?? {} }, pod.namespace);
  return m.ok ? { groups: m.groups } : { groups: policy.podDefaultGroup ? [policy.podDefaultGroup] : [], problem: m.message };
}

/** The repair one pod needs, or undefined when its labels are right (or it is going away). */
export function relabelFor(pod: PodFacts, policy: MembershipPolicy, namespaceAnnotations: NamespaceAnnotationsLookup): Relabel | undefined {
  if (pod.terminating) return undefined;
  // SecurityGroupPolicies not read yet: a repair now could take away groups a policy gives.
  if (policy.securityGroupPolicies?.synced?.() === false) return undefined;
  const { groups, problem } = storedPodGroups(pod, policy, namespaceAnnotations);
  const ops = membershipPatch(pod.labels, groups);
  if (!ops.length) return undefined;
  return { namespace: pod.namespace, name: pod.name, ...(pod.resourceVersion ? { resourceVersion: pod.resourceVersion } : {}), ops, ...(problem ? { problem } : {}) };
}

export function planRelabels(pods: Iterable<PodFacts>, namespaceAnnotations: NamespaceAnnotationsLookup, policy: MembershipPolicy): Relabel[] {
  const out: Relabel[] = [];
  for (const pod of pods) {
    const r = relabelFor(pod, policy, namespaceAnnotations);
    if (r) out.push(r);
  }
  return out;
}
