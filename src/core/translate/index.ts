// The translation (SPEC §3): a pure function from what AWS says about a VPC (and the cluster's
// nodes) to the Calico objects that enforce the same security groups. Deterministic: objects come
// in a fixed order (tiers, sg-remote, sg-local, metadata, host endpoints, node network sets), groups
// and ENIs sorted by id, rules in AWS order.
import type { CalicoObject } from '../calico.js';
import { resolveInternalGroups } from '../internal-groups.js';
import type { ClusterNode, Inventory } from '../inventory.js';
import type { Settings } from '../settings.js';
import { createContext } from './context.js';
import { compare, groupsByInstance, hostEndpointFor, nodeLabelCarrier, vpcMembers } from './label-carriers.js';
import { tiers } from './objects.js';
import { localPolicies, metadataPolicy, nonMemberPolicy, remotePolicies } from './policies.js';
import { summarize, type SkippedPeer, type Translation } from './result.js';
import { mapGroup } from './rules.js';

export type { SkippedPeer, SkipReason, Translation, TranslationSummary } from './result.js';
export { summaryLine } from './result.js';
export { vpcMembers, eniRole, eniKind, isVpcCniEni } from './label-carriers.js';
export { companionName, hostEndpointName, localPolicyName, METADATA_POLICY, nodeNetworkSetName, REMOTE_NON_MEMBER_POLICY, remotePolicyName, splitName, toApi } from './objects.js';

/** What the cluster says that the translation needs (none without a cluster). */
export interface ClusterFacts {
  nodes: ClusterNode[];
}

export type TranslateSettings = Pick<
  Settings,
  'hostEndpointNode' | 'metadataAccess' | 'nodeGroups' | 'trustGroupId' | 'enforcedGroupId' | 'podDefaultGroupId' | 'clusterName'
>;

/** Cluster facts when no cluster is reachable: the nodes the inventory file lists, if any. */
export function factsFromInventory(inventory: Inventory): ClusterFacts {
  return { nodes: inventory.nodes ?? [] };
}

export function translate(inventory: Inventory, facts: ClusterFacts, settings: TranslateSettings): Translation {
  const skipped: SkippedPeer[] = [];
  const ctx = createContext(inventory, skipped);
  const groups = inventory.securityGroups.filter((g) => g.vpcId === inventory.vpcId).sort((a, b) => compare(a.groupId, b.groupId));
  const members = vpcMembers(inventory, facts.nodes);
  // The trust and enforced groups exist only to open AWS between hosts and VPC members; their
  // rules are what sg-remote replaces, so they never speak for a member there.
  const internal = resolveInternalGroups(settings, inventory);
  const groupsWithMembers = new Set(members.flatMap((e) => e.groups));
  for (const g of [internal.trust, internal.enforced]) if (g) groupsWithMembers.delete(g);

  const mapped = groups.map((g) => mapGroup(g, ctx));
  const objects: CalicoObject[] = tiers();
  groups.forEach((g, i) => {
    if (groupsWithMembers.has(g.groupId)) for (const p of remotePolicies(g, mapped[i]!)) objects.push(p);
  });
  objects.push(nonMemberPolicy());
  groups.forEach((g, i) => {
    for (const p of localPolicies(g, mapped[i]!)) objects.push(p);
  });
  objects.push(metadataPolicy(settings.metadataAccess));
  for (const eni of members) objects.push(hostEndpointFor(eni, settings.hostEndpointNode));
  const byInstance = groupsByInstance(inventory);
  for (const node of [...facts.nodes].sort((a, b) => compare(a.name, b.name))) {
    const carrier = nodeLabelCarrier(node, byInstance, settings.nodeGroups);
    if (carrier) objects.push(carrier);
  }
  return { objects, skipped, summary: summarize(objects, skipped, groups.length) };
}
