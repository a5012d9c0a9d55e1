// The translation (SPEC §3): a pure function from what AWS says about a VPC (and the cluster's
// nodes) to the Calico objects that enforce the same security groups. Deterministic: objects come
// in a fixed order (tiers, sg-remote, sg-local, metadata, host endpoints, node network sets), groups
// and ENIs sorted by id, rules in AWS order.
import type { ClusterNode, Inventory } from '../inventory.js';
import type { Translation } from './result.js';
import { translateReusing, type TranslateSettings } from './reuse.js';

export type { SkippedPeer, SkipReason, Translation, TranslationSummary } from './result.js';
export { summaryLine } from './result.js';
export { vpcMembers, eniRole, eniKind, isVpcCniEni } from './label-carriers.js';
export { companionName, hostEndpointName, localPolicyName, METADATA_POLICY, nodeNetworkSetName, REMOTE_NON_MEMBER_POLICY, remotePolicyName, splitName, toApi } from './objects.js';

/** What the cluster says that the translation needs (none without a cluster). */
export interface ClusterFacts {
  nodes: ClusterNode[];
}

export type { TranslateSettings, TranslationMemory } from './reuse.js';
export { translateReusing } from './reuse.js';

/** Cluster facts when no cluster is reachable: the nodes the inventory file lists, if any. */
export function factsFromInventory(inventory: Inventory): ClusterFacts {
  return { nodes: inventory.nodes ?? [] };
}

export function translate(inventory: Inventory, facts: ClusterFacts, settings: TranslateSettings): Translation {
  return translateReusing(inventory, facts, settings).translation;
}
