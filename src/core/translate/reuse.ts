// The translation, given what the previous one left (TranslationMemory): each group's policies,
// each VPC member's HostEndpoint and each node's network set are taken over from it when their
// inputs are the same (the same objects, or equal ones), and made afresh otherwise, so a change
// to one group costs the translation of that group. The result is the one translate() gives for
// the same inputs; the reused objects are never mutated, by this or by anyone after it.
import type { CalicoObject } from '../calico.js';
import { deepEqual } from '../diff.js';
import { resolveInternalGroups } from '../internal-groups.js';
import type { ClusterNode, Inventory, NetworkInterface, SecurityGroup } from '../inventory.js';
import type { Settings } from '../settings.js';
import { groupContext, inventoryLookups, sameReads, type GroupReads } from './context.js';
import { compare, groupsByInstance, hostEndpointFor, nodeGroups, nodeLabelCarrier, vpcMembers } from './label-carriers.js';
import { tiers } from './objects.js';
import { localPolicies, metadataPolicy, nonMemberPolicy, remotePolicies } from './policies.js';
import { summarize, type SkippedPeer, type Translation } from './result.js';
import { mapGroup } from './rules.js';

export type TranslateSettings = Pick<
  Settings,
  'hostEndpointNode' | 'metadataAccess' | 'nodeGroups' | 'trustGroupId' | 'enforcedGroupId' | 'podDefaultGroupId' | 'clusterName'
>;

interface GroupWork {
  group: SecurityGroup;
  reads: GroupReads;
  local: CalicoObject[];
  /** Made while the group has VPC members (the mapped rules are not kept: they would cost as much again). */
  remote?: CalicoObject[];
}

interface EniWork {
  eni: NetworkInterface;
  node: string;
  object: CalicoObject;
}

interface NodeWork {
  node: ClusterNode;
  groups: string;
  object: CalicoObject | undefined;
}

/** What a translation leaves for the next one of the same VPC. Opaque to callers. */
export interface TranslationMemory {
  readonly vpcId: string;
  readonly groups: ReadonlyMap<string, GroupWork>;
  readonly enis: ReadonlyMap<string, EniWork>;
  readonly nodes: ReadonlyMap<string, NodeWork>;
  readonly byInstance: { networkInterfaces: readonly NetworkInterface[]; map: Map<string, Set<string>> };
  readonly fixed: { metadataAccess: Settings['metadataAccess']; tiers: CalicoObject[]; nonMember: CalicoObject; metadata: CalicoObject };
}

const same = <T>(a: T, b: T) => a === b || deepEqual(a, b);

export function translateReusing(
  inventory: Inventory,
  facts: { nodes: readonly ClusterNode[] },
  settings: TranslateSettings,
  previous?: TranslationMemory,
): { translation: Translation; memory: TranslationMemory } {
  const last = previous?.vpcId === inventory.vpcId ? previous : undefined;
  const lookups = inventoryLookups(inventory);
  const groups = inventory.securityGroups.filter((g) => g.vpcId === inventory.vpcId).sort((a, b) => compare(a.groupId, b.groupId));
  const members = vpcMembers(inventory, facts.nodes);
  // The trust and enforced groups exist only to open AWS between hosts and VPC members; their
  // rules are what sg-remote replaces, so they never speak for a member there.
  const internal = resolveInternalGroups(settings, inventory);
  const groupsWithMembers = new Set(members.flatMap((e) => e.groups));
  for (const g of [internal.trust, internal.enforced]) if (g) groupsWithMembers.delete(g);

  const groupWork = new Map<string, GroupWork>();
  const works = groups.map((g) => {
    const seen = last?.groups.get(g.groupId);
    const withMembers = groupsWithMembers.has(g.groupId);
    const valid = seen && same(seen.group, g) && sameReads(seen.reads, lookups);
    let work: GroupWork;
    if (valid && (seen.remote || !withMembers)) work = seen;
    else {
      const { ctx, reads } = groupContext(lookups);
      const mapped = mapGroup(g, ctx);
      // a group that just gained VPC members keeps its sg-local policies
      work = { group: g, reads, local: valid ? seen.local : localPolicies(g, mapped), ...(withMembers ? { remote: remotePolicies(g, mapped) } : {}) };
    }
    groupWork.set(g.groupId, work);
    return work;
  });

  const fixed =
    last?.fixed.metadataAccess === settings.metadataAccess
      ? last.fixed
      : { metadataAccess: settings.metadataAccess, tiers: tiers(), nonMember: nonMemberPolicy(), metadata: metadataPolicy(settings.metadataAccess) };
  const objects: CalicoObject[] = [...fixed.tiers];
  works.forEach((w, i) => {
    if (groupsWithMembers.has(groups[i]!.groupId)) for (const p of w.remote!) objects.push(p);
  });
  objects.push(fixed.nonMember);
  for (const w of works) for (const p of w.local) objects.push(p);
  objects.push(fixed.metadata);

  const eniWork = new Map<string, EniWork>();
  for (const eni of members) {
    const seen = last?.enis.get(eni.networkInterfaceId);
    const work = seen && seen.node === settings.hostEndpointNode && same(seen.eni, eni) ? seen : { eni, node: settings.hostEndpointNode, object: hostEndpointFor(eni, settings.hostEndpointNode) };
    eniWork.set(eni.networkInterfaceId, work);
    objects.push(work.object);
  }

  const byInstance = last?.byInstance.networkInterfaces === inventory.networkInterfaces ? last.byInstance : { networkInterfaces: inventory.networkInterfaces, map: groupsByInstance(inventory) };
  const nodeWork = new Map<string, NodeWork>();
  for (const node of [...facts.nodes].sort((a, b) => compare(a.name, b.name))) {
    const groupsKey = nodeGroups(node, byInstance.map, settings.nodeGroups).join('\n');
    const seen = last?.nodes.get(node.name);
    const work = seen && seen.groups === groupsKey && same(seen.node, node) ? seen : { node, groups: groupsKey, object: nodeLabelCarrier(node, byInstance.map, settings.nodeGroups) };
    nodeWork.set(node.name, work);
    if (work.object) objects.push(work.object);
  }

  const skipped = onceEach(works.map((w) => w.reads.skipped));
  return {
    translation: { objects, skipped, summary: summarize(objects, skipped, groups.length) },
    memory: { vpcId: inventory.vpcId, groups: groupWork, enis: eniWork, nodes: nodeWork, byInstance, fixed },
  };
}

/** The groups' skipped peers in group order, each once (as one translation's skip() keeps them). */
function onceEach(lists: readonly SkippedPeer[][]): SkippedPeer[] {
  const seen = new Set<string>();
  const out: SkippedPeer[] = [];
  for (const list of lists) {
    for (const peer of list) {
      const key = `${peer.groupId}|${peer.direction}|${peer.peer}|${peer.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(peer);
    }
  }
  return out;
}
