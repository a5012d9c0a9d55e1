// Which ENIs are VPC members (SPEC Vocabulary, §3 HostEndpoints): in the cluster's VPC, with at
// least one security group, and neither a cluster node's nor one the VPC CNI made for pods.
import type { ClusterNode, EniKind, Inventory, NetworkInterface } from '../inventory.js';

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

export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
