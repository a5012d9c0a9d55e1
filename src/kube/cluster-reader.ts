// Reading Nodes as the translation needs them (instance id from spec.providerID, addresses), and
// what the caches share: which NetworkPolicies ask for match-security-groups, and their wire form.
// `ClusterReader` lists Nodes once, all pages (doctor and explain; the syncer watches them).
import { CoreV1Api, type KubeConfig, type V1NetworkPolicy, type V1Node } from '@kubernetes/client-node';
import type { ClusterNode } from '../core/inventory.js';
import { MATCH_SG_ANNOTATION } from '../core/vocabulary.js';

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

/** aws:///us-east-1a/i-0123456789abcdef0 → i-0123456789abcdef0 */
export function instanceIdFromProviderId(providerId: string | undefined): string | undefined {
  const m = providerId?.match(/^aws:\/\/\/[^/]*\/(i-[0-9a-f]+)$/);
  return m?.[1];
}

export function clusterNodeOf(node: V1Node): ClusterNode {
  const addresses = (node.status?.addresses ?? []).filter((a) => a.type === 'InternalIP' || a.type === 'ExternalIP').map((a) => a.address);
  const instanceId = instanceIdFromProviderId(node.spec?.providerID);
  return { name: node.metadata?.name ?? '', ...(instanceId ? { instanceId } : {}), addresses: [...new Set(addresses)] };
}

export function isAnnotatedForGroups(np: { metadata?: { annotations?: Record<string, string> } }): boolean {
  return np.metadata?.annotations?.[MATCH_SG_ANNOTATION] === 'true';
}

/** client-node's models rename `from` to `_from`; the companion translation reads the API's JSON. */
export function wireNetworkPolicy(np: V1NetworkPolicy): unknown {
  const json = JSON.parse(JSON.stringify(np)) as { spec?: { ingress?: Record<string, unknown>[] } };
  for (const rule of json.spec?.ingress ?? []) {
    if ('_from' in rule) {
      rule.from = rule._from;
      delete rule._from;
    }
  }
  return json;
}

export class ClusterReader {
  private readonly core: CoreV1Api;

  constructor(kc: KubeConfig) {
    this.core = kc.makeApiClient(CoreV1Api);
  }

  async nodes(): Promise<ClusterNode[]> {
    const nodes = await allPages<V1Node>((token) => this.core.listNode({ limit: PAGE_SIZE, _continue: token }));
    return nodes.map(clusterNodeOf).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
