// What membership reads of SecurityGroupPolicies at the moment of a decision: a namespace's indexed
// policies and a ServiceAccount's labels. An adapter keeps both watch-fed (never read per request);
// core only asks, so the webhook, rule 6, the relabeller and explain all ask the same thing.
import { groupsFromPolicies, type NamespacePolicies, type PolicyGroups } from './groups.js';
import type { Labels } from './label-selector.js';

/** Which pods a change of policies or ServiceAccount labels may move: all, a namespace's, or one ServiceAccount's. */
export interface PolicyScope {
  namespace?: string;
  serviceAccount?: string;
}

export interface PolicyMembershipSource {
  /** The namespace's policies, indexed; undefined when it holds none (most namespaces). */
  policies(namespace: string): NamespacePolicies | undefined;
  /** A ServiceAccount's labels; undefined when it is not known (not found, cache not filled). */
  serviceAccountLabels(namespace: string, name: string): Labels | undefined;
  /**
   * False until both have been read once: the relabeller then holds its repairs, since it cannot
   * tell a pod's policy groups from stale ones. Absent: always known (a fixed source).
   */
  synced?(): boolean;
  /** Told of each change that may move pods' groups (and once with every pod when first synced). */
  subscribe?(fn: (scope: PolicyScope) => void): () => void;
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

/** Whether a pod of `namespace` running as `serviceAccount` (default "default") is one `scope` names. */
export function inPolicyScope(scope: PolicyScope, namespace: string, serviceAccount: string | undefined): boolean {
  if (scope.namespace === undefined) return true;
  if (scope.namespace !== namespace) return false;
  return scope.serviceAccount === undefined || scope.serviceAccount === (serviceAccount || 'default');
}
