// What `explain` evaluates: the objects sgbridge renders for the inventory, the companions of
// annotated NetworkPolicies, and the given manifests (which win over rendered objects of the same
// kind, namespace and name, as the cluster's own copy would). Pods from files get the membership
// labels the mutating webhook would give them; every pod is told where its groups come from (the
// annotation, SecurityGroupPolicies of the inputs when the setting is on, the node groups).
import { objectKey } from '../calico.js';
import type { ClusterNode, Inventory } from '../inventory.js';
import { desiredLabels, membershipOrigin, type NamespaceFacts } from '../membership/index.js';
import { membershipPolicyOf } from '../membership-policy.js';
import type { Settings } from '../settings.js';
import { companionFor } from '../translate/companions.js';
import { factsFromInventory, translate } from '../translate/index.js';
import type { World } from './types.js';
import { isSecurityGroupPolicy, policySourceOf } from '../security-group-policy/index.js';
import { buildWorld, type PodAdmission } from './world.js';

export interface ExplainInputs {
  inventory: Inventory;
  settings: Settings;
  /** Cluster nodes; default: the inventory's recorded nodes. */
  nodes?: ClusterNode[];
  /** Pods, Namespaces, NetworkPolicies, Calico objects from files: pods get the webhook's labels. */
  manifests: readonly unknown[];
  /** The same kinds read from a cluster: pods are taken with the labels they have. Files win over these. */
  clusterObjects?: readonly unknown[];
}

interface Loose {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string; namespace?: string; annotations?: Record<string, string> };
}

function keyOf(o: Loose): string | undefined {
  if (!o?.kind || !o.metadata?.name) return undefined;
  return objectKey({ kind: o.kind, metadata: { name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) } });
}

export function assembleWorld(inputs: ExplainInputs): World {
  const nodes = inputs.nodes ?? factsFromInventory(inputs.inventory).nodes;
  const rendered = translate(inputs.inventory, { nodes }, inputs.settings).objects;
  const flat = (list: readonly unknown[]) =>
    list.flatMap((m) => {
      const o = m as Loose & { items?: unknown[] };
      return Array.isArray(o?.items) && o.kind?.endsWith('List') ? o.items : [m];
    }) as Loose[];
  const files = flat(inputs.manifests);
  const fileKeys = new Set(files.map(keyOf).filter(Boolean));
  const fromCluster = flat(inputs.clusterObjects ?? []).filter((o) => !fileKeys.has(keyOf(o)));
  const manifests = [...fromCluster, ...files];
  const admittedAlready = new Set(fromCluster.filter((o) => o.kind === 'Pod').map((o) => `${o.metadata?.namespace ?? 'default'}/${o.metadata?.name}`));
  const companions = manifests
    .filter((m) => m.kind === 'NetworkPolicy' && m.apiVersion?.startsWith('networking.k8s.io/'))
    .map((np) => companionFor(np))
    .filter((c) => c !== undefined);

  const given = new Set(manifests.map(keyOf).filter(Boolean));
  const generated = [...rendered, ...companions].filter((o) => !given.has(objectKey(o)));

  const namespaces = new Map<string, Record<string, string>>();
  for (const m of manifests) if (m.kind === 'Namespace' && m.metadata?.name) namespaces.set(m.metadata.name, m.metadata.annotations ?? {});
  const reads = inputs.settings.securityGroupPolicies;
  const policies = reads ? policySourceOf(manifests) : undefined;
  const policy = membershipPolicyOf(inputs.settings, { inventory: inputs.inventory, clusterNodes: nodes, ...(policies ? { securityGroupPolicies: policies.source } : {}) });
  const admitPod: PodAdmission = ({ namespace, name, labels, annotations, serviceAccountName }) => {
    const ns: NamespaceFacts = namespaces.has(namespace) ? { allowList: 'on', annotations: namespaces.get(namespace)! } : { allowList: 'off' };
    const origin = membershipOrigin({ annotations, labels, serviceAccountName }, policy, ns, namespace);
    // A pod read from the cluster keeps the labels it has: they are what Calico enforces.
    if (admittedAlready.has(`${namespace}/${name}`)) return { labels, origin };
    if (origin.problem) return { error: origin.problem };
    return { labels: desiredLabels(labels, origin.groups.map((g) => g.group)), origin };
  };
  const world = buildWorld([...generated, ...manifests], { admitPod });
  if (policies) {
    world.readsSecurityGroupPolicies = true;
    world.problems.push(...policies.problems);
  } else if (manifests.some(isSecurityGroupPolicy)) {
    world.problems.push('SecurityGroupPolicies among the inputs are not read: the setting securityGroupPolicies is off (--security-group-policies)');
  }
  return world;
}
