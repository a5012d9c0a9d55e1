// The watch-fed caches the syncer and the webhooks read the cluster from, each keeping only the
// facts sgbridge uses: Nodes (instance id, addresses), Namespaces (the allow-list annotation),
// NetworkPolicies carrying match-security-groups, Pods (identity, membership labels, the
// annotation), sgbridge's own Calico objects (by its managed-by label) and every Calico Tier (name
// and order, for the validating webhook).
import type { KubeConfig } from '@kubernetes/client-node';
import { CALICO_API_VERSION, CALICO_PLURALS, calicoCollectionPath, type CalicoApi, type CalicoKind } from '../core/calico.js';
import type { ActualObject } from '../core/diff.js';
import type { ClusterNode } from '../core/inventory.js';
import type { TierObject } from '../core/protection/tier-facts.js';
import type { PodFacts } from '../core/relabel.js';
import { MANAGED_KINDS, MANAGED_SELECTOR } from './calico-store.js';
import { podFactsWithLabelsOf } from './security-group-policy-caches.js';
import { actualObjectOf, clusterNodeOf, isAnnotatedForGroups, namespaceAnnotationsOf, podFactsOf, wireNetworkPolicy, type NamespaceAnnotations } from './facts.js';
import { frozenInterner } from './frozen-interner.js';
import { rawLister } from './raw-list.js';
import { type CacheOptions, type CacheSpec, WatchCache } from './watch-cache.js';

export type { PodFacts } from '../core/relabel.js';
export { namespaceAnnotationsOf, podFactsOf, type NamespaceAnnotations } from './facts.js';

export function nodeCache(kc: KubeConfig, opts?: CacheOptions): WatchCache<ClusterNode> {
  return new WatchCache(kc, { name: 'nodes', path: '/api/v1/nodes', list: rawLister(kc, '/api/v1/nodes'), keep: (o) => clusterNodeOf(o as never) }, opts);
}

export function namespaceCache(kc: KubeConfig, opts?: CacheOptions): WatchCache<NamespaceAnnotations> {
  return new WatchCache(kc, { name: 'namespaces', path: '/api/v1/namespaces', list: rawLister(kc, '/api/v1/namespaces'), keep: namespaceAnnotationsOf }, opts);
}

/**
 * `allLabels`: keep every label, not only membership labels (SecurityGroupPolicies select on
 * them); those sets differ from pod to pod, so only membership-only sets are shared.
 */
export function podCache(kc: KubeConfig, opts?: CacheOptions, allLabels = false): WatchCache<PodFacts> {
  // Pods mostly carry one of a few sets of membership labels (every pod on the same node groups
  // has the same), each possibly hundreds of labels long: they share one copy of each.
  const intern = frozenInterner<Record<string, string>>(64);
  const keep = allLabels
    ? podFactsWithLabelsOf
    : (o: Record<string, unknown>): PodFacts => {
        const facts = podFactsOf(o);
        return facts.labels ? { ...facts, labels: intern(facts.labels) } : facts;
      };
  return new WatchCache(kc, { name: 'pods', path: '/api/v1/pods', list: rawLister(kc, '/api/v1/pods'), keep }, opts);
}

/** NetworkPolicies with match-security-groups: "true", in their wire form (the companion input). */
export function networkPolicyCache(kc: KubeConfig, opts?: CacheOptions): WatchCache<unknown> {
  const path = '/apis/networking.k8s.io/v1/networkpolicies';
  return new WatchCache(
    kc,
    {
      name: 'networkpolicies',
      path,
      list: rawLister(kc, path),
      keep: (o) => (isAnnotatedForGroups(o as never) ? wireNetworkPolicy(o as never) : undefined),
    },
    opts,
  );
}

export function managedObjectCache(kc: KubeConfig, api: CalicoApi, kind: CalicoKind, opts?: CacheOptions): WatchCache<ActualObject> {
  const apiVersion = CALICO_API_VERSION[api];
  const path = calicoCollectionPath(api, kind);
  const spec: CacheSpec<ActualObject> = {
    name: CALICO_PLURALS[kind],
    path,
    labelSelector: MANAGED_SELECTOR,
    list: rawLister(kc, path, { labelSelector: MANAGED_SELECTOR }),
    keep: actualObjectOf(apiVersion, kind),
  };
  return new WatchCache(kc, spec, opts);
}

/** Every Tier of the cluster, sgbridge's or not, as name and order: where a policy's tier decides (protection rule 3). */
export function tierCache(kc: KubeConfig, api: CalicoApi, opts?: CacheOptions): WatchCache<TierObject> {
  const path = calicoCollectionPath(api, 'Tier');
  const keep = (o: Record<string, unknown>): TierObject => {
    const { metadata, spec } = o as { metadata?: { name?: unknown }; spec?: { order?: unknown } };
    return { metadata: { name: metadata?.name }, spec: { order: spec?.order } };
  };
  return new WatchCache(kc, { name: 'all-tiers', path, list: rawLister(kc, path), keep }, opts);
}

/** Every cache a sync round reads. */
export interface ClusterCaches {
  nodes: WatchCache<ClusterNode>;
  namespaces: WatchCache<NamespaceAnnotations>;
  pods: WatchCache<PodFacts>;
  networkPolicies: WatchCache<unknown>;
  managed: WatchCache<ActualObject>[];
}

/** `podLabels: 'all'` when SecurityGroupPolicies are read: the relabeller matches them on pod labels. */
export function clusterCaches(kc: KubeConfig, api: CalicoApi, opts?: CacheOptions, shared: Partial<Pick<ClusterCaches, 'nodes' | 'namespaces'>> = {}, podLabels: 'membership' | 'all' = 'membership'): ClusterCaches {
  return {
    nodes: shared.nodes ?? nodeCache(kc, opts),
    namespaces: shared.namespaces ?? namespaceCache(kc, opts),
    pods: podCache(kc, opts, podLabels === 'all'),
    networkPolicies: networkPolicyCache(kc, opts),
    managed: MANAGED_KINDS.map((kind) => managedObjectCache(kc, api, kind, opts)),
  };
}

export function allCaches(c: ClusterCaches): WatchCache<unknown>[] {
  return [c.nodes, c.namespaces, c.pods, c.networkPolicies, ...c.managed] as WatchCache<unknown>[];
}
