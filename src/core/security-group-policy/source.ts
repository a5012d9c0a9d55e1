// What membership reads of SecurityGroupPolicies at the moment of a decision: a namespace's indexed
// policies and a ServiceAccount's labels. An adapter keeps both watch-fed (never read per request);
// core only asks, so the webhook, rule 6, the relabeller and explain all ask the same thing.
import { groupsFromPolicies, type NamespacePolicies, type PolicyGroups } from './groups.js';
import type { Labels } from './label-selector.js';

export interface PolicyMembershipSource {
  /** The namespace's policies, indexed; undefined when it holds none (most namespaces). */
  policies(namespace: string): NamespacePolicies | undefined;
  /** A ServiceAccount's labels; undefined when it is not known (not found, cache not filled). */
  serviceAccountLabels(namespace: string, name: string): Labels | undefined;
}

/** What matching reads of a pod. */
export interface PolicyPod {
  labels: Labels | null | undefined;
  /** spec.serviceAccountName; Kubernetes defaults it to "default". */
  serviceAccountName?: string | undefined;
}

/** The groups the namespace's policies give the pod; undefined when the namespace holds no policy. */
export function policyGroupsFor(pod: PolicyPod, namespace: string, source: PolicyMembershipSource): PolicyGroups | undefined {
  const policies = source.policies(namespace);
  if (!policies) return undefined;
  const serviceAccountName = pod.serviceAccountName || 'default';
  return groupsFromPolicies({
    pod: { namespace, labels: pod.labels, serviceAccountName },
    serviceAccountLabels: source.serviceAccountLabels(namespace, serviceAccountName),
    policies,
  });
}

/** A fixed source (tests, explain from files): policies compiled once, ServiceAccounts by `namespace/name`. */
export function staticPolicySource(byNamespace: ReadonlyMap<string, NamespacePolicies>, serviceAccounts: ReadonlyMap<string, Labels> = new Map()): PolicyMembershipSource {
  return {
    policies: (namespace) => byNamespace.get(namespace),
    serviceAccountLabels: (namespace, name) => serviceAccounts.get(`${namespace}/${name}`),
  };
}
