// Label carriers (SPEC §3 HostEndpoints and Nodes): the objects that give an address outside the
// pods its groups' membership labels, so that selectors on those labels match it. A VPC member's
// ENI gets a HostEndpoint; a cluster node gets a GlobalNetworkSet with its primary IPs — never a
// HostEndpoint, which would firewall the host itself.
import type { CalicoObject } from '../calico.js';
import type { ClusterNode, EniKind, Inventory, NetworkInterface } from '../inventory.js';
import { hostNets } from '../ip.js';
import { ENDPOINT_KIND_LABEL, ENI_ID_LABEL, INSTANCE_ID_LABEL, MANAGED_BY_LABEL, MANAGED_BY_VALUE, membershipLabel, VPC_MEMBER_LABEL } from '../vocabulary.js';
import { globalNetworkSet, hostEndpoint, hostEndpointName, labelObject, nodeNetworkSetName } from './objects.js';

// Which ENIs are VPC members (SPEC Vocabulary): in the cluster's VPC, with at least one security
// group, and neither a cluster node's nor one the VPC CNI made for pods.

/** The VPC CNI describes the ENIs it attaches for pods as aws-K8S-<instance-id>. */
const VPC_CNI_DESCRIPTION = /^aws-K8S-/;
const VPC_CNI_INTERFACE_TYPES = new Set(['branch', 'trunk']);

export function isVpcCniEni(eni: NetworkInterface): boolean {
  return VPC_CNI_DESCRIPTION.test(eni.description ?? '') || VPC_CNI_INTERFACE_TYPES.has(eni.interfaceType ?? '');
}

export function nodeInstanceIds(nodes: readonly ClusterNode[]): Set<string> {
  return new Set(nodes.map((n) => n.instanceId).filter((x): x is string => Boolean(x)));
}

export type EniRole = 'vpc-member' | 'node' | 'vpc-cni' | 'other-vpc' | 'no-groups' | 'no-addresses';

/**
 * Why an ENI is or is not a VPC member. An ENI without security groups (NAT gateway, some load
 * balancers) has nothing to enforce on its side, so it is not treated as a member: marking it
 * would make sg-remote drop all its traffic to pods.
 */
export function eniRole(eni: NetworkInterface, vpcId: string, nodeInstances: ReadonlySet<string>): EniRole {
  if (eni.vpcId !== vpcId) return 'other-vpc';
  if (isVpcCniEni(eni)) return 'vpc-cni';
  if (eni.attachment?.instanceId && nodeInstances.has(eni.attachment.instanceId)) return 'node';
  if (eni.groups.length === 0) return 'no-groups';
  if (eni.privateIpAddresses.length + eni.ipv6Addresses.length === 0) return 'no-addresses';
  return 'vpc-member';
}

/** VPC-member ENIs sorted by id. */
export function vpcMembers(inventory: Inventory, nodes: readonly ClusterNode[]): NetworkInterface[] {
  const instances = nodeInstanceIds(nodes);
  return inventory.networkInterfaces
    .filter((e) => eniRole(e, inventory.vpcId, instances) === 'vpc-member')
    .sort((a, b) => compare(a.networkInterfaceId, b.networkInterfaceId));
}

export function eniKind(eni: NetworkInterface): EniKind {
  if (eni.requesterId === 'amazon-rds' || eni.description === 'RDSNetworkInterface') return 'rds';
  if (eni.attachment?.instanceId && !eni.requesterManaged) return 'ec2';
  return 'other';
}

/** Code-unit order, the same in every locale: how the translation sorts ids and names. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// HostEndpoints: spec.node is a name no real node has, so no Felix enforces anything on them.

/** sg.aws.tigera.io/<id>: "" per group, sorted by id, added to `into` (see labelObject). */
export function membershipLabels(groups: readonly string[], into: Record<string, string> = labelObject()): Record<string, string> {
  const sorted = groups.length > 1 ? [...new Set(groups)].sort(compare) : groups;
  for (const g of sorted) into[membershipLabel(g)] = '';
  return into;
}

export function hostEndpointFor(eni: NetworkInterface, node: string): CalicoObject {
  const labels = labelObject();
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  labels[VPC_MEMBER_LABEL] = '';
  labels[ENI_ID_LABEL] = eni.networkInterfaceId;
  if (eni.attachment?.instanceId) labels[INSTANCE_ID_LABEL] = eni.attachment.instanceId;
  labels[ENDPOINT_KIND_LABEL] = eniKind(eni);
  membershipLabels(eni.groups, labels);
  const ips = eni.ipv6Addresses.length === 0 && eni.privateIpAddresses.length === 1 ? eni.privateIpAddresses.slice() : [...new Set([...eni.privateIpAddresses, ...eni.ipv6Addresses])];
  return hostEndpoint(hostEndpointName(eni.networkInterfaceId), node, ips, labels);
}

// Nodes: rules often name the node groups, so each node carries its groups' labels.

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

export function nodeLabelCarrier(node: ClusterNode, byInstance: ReadonlyMap<string, ReadonlySet<string>>, configured: readonly string[]): CalicoObject | undefined {
  const nets = hostNets(node.addresses);
  if (nets.length === 0) return undefined;
  const labels = labelObject();
  labels[MANAGED_BY_LABEL] = MANAGED_BY_VALUE;
  return globalNetworkSet(nodeNetworkSetName(node.name), nets, membershipLabels(nodeGroups(node, byInstance, configured), labels));
}
