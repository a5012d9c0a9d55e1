// One-off reads of the cluster, all pages, for the commands that do not watch (doctor, explain):
// Nodes as the translation needs them, and pods and namespaces as the pod cache keeps them.
import { CoreV1Api, type KubeConfig, type V1Namespace, type V1Node, type V1Pod } from '@kubernetes/client-node';
import type { PodFacts } from '../core/relabel.js';
import type { ClusterNode } from '../core/inventory.js';
import { clusterNodeOf, namespaceAnnotationsOf, podFactsOf } from './facts.js';

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

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  /** Every pod as the pod cache keeps it, and every namespace's allow-list annotation (doctor's pod check). */
  async podsAndNamespaces(): Promise<{ pods: PodFacts[]; namespaces: Record<string, Record<string, string>> }> {
    const [pods, namespaces] = await Promise.all([
      allPages<V1Pod>((token) => this.core.listPodForAllNamespaces({ limit: PAGE_SIZE, _continue: token })),
      allPages<V1Namespace>((token) => this.core.listNamespace({ limit: PAGE_SIZE, _continue: token })),
    ]);
    return { pods: pods.map((p) => podFactsOf(p as never)), namespaces: Object.fromEntries(namespaces.map((ns) => [ns.metadata?.name ?? '', namespaceAnnotationsOf(ns as never)])) };
  }

  async nodes(): Promise<ClusterNode[]> {
    const nodes = await allPages<V1Node>((token) => this.core.listNode({ limit: PAGE_SIZE, _continue: token }));
    return nodes.map(clusterNodeOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export { clusterNodeOf, instanceIdFromProviderId, isAnnotatedForGroups, wireNetworkPolicy } from './facts.js';
