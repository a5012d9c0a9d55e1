// What sgbridge knows about the VPC: a plain-data snapshot, produced by a reader (file or EC2)
// and consumed by the pure core. Field names follow the EC2 API so a capture reads naturally.

export interface IpPermission {
  /** "-1", "tcp", "udp", "icmp", "icmpv6", or a protocol number as a string ("58", "47"). */
  ipProtocol: string;
  /** Port range start; for ICMP the type. -1 or absent means all. */
  fromPort?: number;
  /** Port range end; for ICMP the code. -1 or absent means all. */
  toPort?: number;
  ipRanges?: { cidrIp: string; description?: string }[];
  ipv6Ranges?: { cidrIpv6: string; description?: string }[];
  prefixListIds?: { prefixListId: string; description?: string }[];
  userIdGroupPairs?: { groupId: string; userId?: string; vpcId?: string; description?: string }[];
}

export interface SecurityGroup {
  groupId: string;
  groupName: string;
  description?: string;
  vpcId: string;
  ownerId?: string;
  inbound: IpPermission[];
  outbound: IpPermission[];
}

export type EniKind = 'ec2' | 'rds' | 'other';

export interface NetworkInterface {
  networkInterfaceId: string;
  vpcId: string;
  subnetId?: string;
  description?: string;
  /** EC2 InterfaceType: "interface", "branch", "trunk", "efa", ... */
  interfaceType?: string;
  /** EC2 RequesterId, e.g. "amazon-rds" for RDS-managed ENIs. */
  requesterId?: string;
  requesterManaged?: boolean;
  /** The instance it is attached to, if any. */
  attachment?: { instanceId?: string; instanceOwnerId?: string; deviceIndex?: number; status?: string };
  groups: string[];
  privateIpAddresses: string[];
  ipv6Addresses: string[];
  tags?: Record<string, string>;
}

export interface PrefixList {
  prefixListId: string;
  name?: string;
  cidrs: string[];
}

/** A cluster node as the translation needs it (from the Node object or the inventory file). */
export interface ClusterNode {
  name: string;
  /** From spec.providerID aws:///<az>/<instance-id>. */
  instanceId?: string;
  addresses: string[];
}

export interface Inventory {
  vpcId: string;
  securityGroups: SecurityGroup[];
  networkInterfaces: NetworkInterface[];
  prefixLists: PrefixList[];
  /** Optional: nodes recorded in a snapshot, used when no cluster is reachable. */
  nodes?: ClusterNode[];
}

export function findGroupByName(inventory: Inventory, name: string): SecurityGroup | undefined {
  return inventory.securityGroups.find((g) => g.groupName === name);
}

export function knownGroupIds(inventory: Inventory): Set<string> {
  return new Set(inventory.securityGroups.map((g) => g.groupId));
}
