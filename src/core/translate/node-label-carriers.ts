// Cluster nodes (SPEC §3 Nodes): rules often name the node groups, so each node gets a
// GlobalNetworkSet node.<name> with its primary IPs and its groups' membership labels — never a
// HostEndpoint, which would firewall the host itself.
import { isIP } from 'node:net';
import type { CalicoObject } from '../calico.js';
import type { ClusterNode, Inventory } from '../inventory.js';
import { membershipLabels } from './host-endpoints.js';
import { nodeNetworkSetName } from './naming.js';
import { globalNetworkSet, labelObject } from './objects.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../vocabulary.js';
import { isVpcCniEni } from './vpc-members.js';

/** Groups of each instance's own ENIs (not the VPC CNI's), by instance id. */
export function groupsByInstance(inventory: Inventory): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const eni of inventory.networkInterfaces) {
    const id = eni.attachment?.instanceId;
    if (!id || isVpcCniEni(eni)) continue;
    let set = out.get(id);
    if (!set) out.set(id, (set = new Set()));
    for (const g of eni.groups) set.add(g);
  }
  return out;
}

/** The node's groups: those of its own ENIs, else the configured node groups. */
export function nodeGroups(node: ClusterNode, byInstance: ReadonlyMap<string, ReadonlySet<string>>, configured: readonly string[]): string[] {
  const groups = node.instanceId ? byInstance.get(node.instanceId) : undefined;
  return groups?.size ? [...groups] : [...configured];
}

export function hostNets(addresses: readonly string[]): string[] {
  const nets: string[] = [];
  for (const a of new Set(addresses)) {
    const v = isIP(a);
    if (v === 4) nets.push(`${a}/32`);
    else if (v === 6) nets.push(`${a}/128`);
  }
  return nets;
}

export function nodeLabelCarrier(node: ClusterNode, byInstance: ReadonlyMap<string, ReadonlySet<string>>, configured: readonly string[]): CalicoObject | undefined {
  const nets = hostNets(node.addresses);
  if (nets.length === 0) return undefined;
  const labels = labelObject();
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  return globalNetworkSet(nodeNetworkSetName(node.name), nets, membershipLabels(nodeGroups(node, byInstance, configured), labels));
}
