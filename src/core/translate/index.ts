// The translation (SPEC §3): a pure function from what AWS says about a VPC (and the cluster's
// nodes) to the Calico objects that enforce the same security groups. Deterministic: objects come
// in a fixed order (tiers, sg-remote, sg-local, metadata, host endpoints, node network sets), groups
// and ENIs sorted by id, rules in AWS order.
import type { CalicoObject } from '../calico.js';
import type { Inventory } from '../inventory.js';
import type { Settings } from '../settings.js';
import { createContext } from './context.js';
import { hostEndpointFor } from './host-endpoints.js';
import { localPolicies } from './local-policies.js';
import { metadataPolicy } from './metadata-policy.js';
import { groupsByInstance, nodeLabelCarrier } from './node-label-carriers.js';
import { resolveInternalGroups } from '../internal-groups.js';
import { nonMemberPolicy, remotePolicies } from './remote-policies.js';
import { mapGroup } from './rule-mapping.js';
import { summarize } from './summary.js';
import { tiers } from './tiers.js';
import type { ClusterFacts, SkippedPeer, Translation } from './types.js';
import { compare, vpcMembers } from './vpc-members.js';

export type { ClusterFacts, SkippedPeer, SkipReason, Translation, TranslationSummary } from './types.js';
export { toApi } from './api.js';
export { summaryLine } from './summary.js';
export { vpcMembers, eniRole, eniKind, isVpcCniEni } from './vpc-members.js';
export * from './naming.js';

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
