// One-off reads of the cluster, all pages, for the commands that do not watch (doctor, explain):
// Nodes as the translation needs them, pods and namespaces as the pod cache keeps them, and the
// SecurityGroupPolicies and ServiceAccounts the policy caches read.
import { CoreV1Api, CustomObjectsApi, type KubeConfig, type V1Namespace, type V1Node, type V1Pod, type V1ServiceAccount } from '@kubernetes/client-node';
import { SGP_API_VERSION, SGP_GROUP, SGP_KIND, SGP_RESOURCE, SGP_VERSION } from '../core/security-group-policy/index.js';
import type { PodFacts } from '../core/relabel.js';
import type { ClusterNode } from '../core/inventory.js';
import { clusterNodeOf, namespaceAnnotationsOf, podFactsOf } from './facts.js';
import { podFactsWithLabelsOf } from './security-group-policy-caches.js';

const PAGE_SIZE = 500;

interface Page<T> {
  items: T[];
  metadata?: { _continue?: string };
}

async function allPages<T>(fetchPage: (token: string | undefined) => Promise<Page<T>>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetchPage(token);
    out.push(...page.items);
    token = page.metadata?._continue || undefined;
  } while (token);
  return out;
}

export class ClusterReader {
  private readonly core: CoreV1Api;

  private readonly custom: CustomObjectsApi;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
    this.custom = kc.makeApiClient(CustomObjectsApi);
  }

  /**
   * Every pod as the pod cache keeps it (`allLabels`: with all its labels, which SecurityGroupPolicies
   * select on), and every namespace's allow-list annotation (doctor's pod check).
   */
  async podsAndNamespaces(opts: { allLabels?: boolean } = {}): Promise<{ pods: PodFacts[]; namespaces: Record<string, Record<string, string>> }> {
    const [pods, namespaces] = await Promise.all([
      allPages<V1Pod>((token) => this.core.listPodForAllNamespaces({ limit: PAGE_SIZE, _continue: token })),
      allPages<V1Namespace>((token) => this.core.listNamespace({ limit: PAGE_SIZE, _continue: token })),
    ]);
    const facts = opts.allLabels ? podFactsWithLabelsOf : podFactsOf;
    return { pods: pods.map((p) => facts(p as never)), namespaces: Object.fromEntries(namespaces.map((ns) => [ns.metadata?.name ?? '', namespaceAnnotationsOf(ns as never)])) };
  }

  /** Every SecurityGroupPolicy and ServiceAccount, as objects (apiVersion, kind, metadata, spec). */
  async securityGroupPolicyObjects(): Promise<unknown[]> {
    const [policies, accounts] = await Promise.all([
      allPages<Record<string, unknown>>(async (token) => (await this.custom.listClusterCustomObject({ group: SGP_GROUP, version: SGP_VERSION, plural: SGP_RESOURCE, limit: PAGE_SIZE, ...(token ? { _continue: token } : {}) })) as Page<Record<string, unknown>>),
      allPages<V1ServiceAccount>((token) => this.core.listServiceAccountForAllNamespaces({ limit: PAGE_SIZE, _continue: token })),
    ]);
    return [
      ...policies.map((p) => ({ ...p, apiVersion: SGP_API_VERSION, kind: SGP_KIND })),
      ...accounts.map((a) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: a.metadata?.name, namespace: a.metadata?.namespace, labels: a.metadata?.labels ?? {} } })),
    ];
  }

  async nodes(): Promise<ClusterNode[]> {
    const nodes = await allPages<V1Node>((token) => this.core.listNode({ limit: PAGE_SIZE, _continue: token }));
    return nodes.map(clusterNodeOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export { clusterNodeOf, instanceIdFromProviderId, isAnnotatedForGroups, wireNetworkPolicy } from './facts.js';
