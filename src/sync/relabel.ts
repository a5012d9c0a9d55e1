// Pods whose membership labels differ from what SPEC §1 derives (created while the webhook was
// unreachable under failurePolicy: Ignore, or relabelled by a later mutating webhook): the
// JSON patch that repairs each. The same rules as the mutating webhook, over the same pods (its
// namespace exclusions). A pod whose annotation §1 would deny keeps only the pod default group:
// it must not carry groups it could not have been given.
import type { JsonPatchOp } from '../core/admission-types.js';
import { deriveMembership, membershipPatch, type MembershipPolicy } from '../core/membership/index.js';

export interface PodFacts {
  namespace: string;
  name: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  terminating?: boolean;
}

export interface Relabel {
  namespace: string;
  name: string;
  resourceVersion?: string;
  ops: readonly JsonPatchOp[];
  problem?: string;
}

export function planRelabels(pods: PodFacts[], namespaces: Map<string, Record<string, string>>, policy: MembershipPolicy, excludedNamespaces: readonly string[]): Relabel[] {
  const excluded = new Set(excludedNamespaces);
  const out: Relabel[] = [];
  for (const pod of pods) {
    if (excluded.has(pod.namespace) || pod.terminating) continue;
    const m = deriveMembership(pod.annotations, policy, { allowList: 'on', annotations: namespaces.get(pod.namespace) ?? {} }, pod.namespace);
    const groups = m.ok ? m.groups : policy.podDefaultGroup ? [policy.podDefaultGroup] : [];
    const ops = membershipPatch(pod.labels, groups);
    if (ops.length) out.push({ namespace: pod.namespace, name: pod.name, ...(pod.resourceVersion ? { resourceVersion: pod.resourceVersion } : {}), ops, ...(m.ok ? {} : { problem: m.message }) });
  }
  return out;
}
