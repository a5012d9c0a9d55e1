// A generated VPC for scale tests and benchmarks: by default 5,000 security groups × 20
// permissions and 50,000 ENIs (plus cluster nodes). Deterministic: the same options give the same
// inventory. Permissions mix every row of the mapping table (tcp/udp ports and ranges, all
// traffic, icmp/icmpv6, numeric protocols, IPv4+IPv6 ranges, prefix lists, group references,
// self-references); ENIs are EC2 and RDS VPC members, node ENIs and VPC CNI ENIs.
import type { ClusterNode, Inventory, IpPermission, NetworkInterface, PrefixList, SecurityGroup } from '../../src/core/inventory.js';

export interface LargeInventoryOptions {
  groups?: number;
  permissionsPerGroup?: number;
  enis?: number;
  nodes?: number;
  prefixLists?: number;
  seed?: number;
}

export const LARGE_VPC_ID = 'vpc-0000000000000f00d';

const hex = (n: number, width = 17) => n.toString(16).padStart(width, '0');
export const largeGroupId = (i: number) => `sg-${hex(i)}`;
export const largeEniId = (i: number) => `eni-${hex(i)}`;
const instanceId = (i: number) => `i-${hex(i)}`;
const ipv4 = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
const ipv6 = (i: number) => `2600:1f18:0:${(i >> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`;

/** Small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function largeInventory(opts: LargeInventoryOptions = {}): Inventory {
  const nGroups = opts.groups ?? 5000;
  const nPerms = opts.permissionsPerGroup ?? 20;
  const nEnis = opts.enis ?? 50_000;
  const nNodes = opts.nodes ?? 100;
  const nLists = opts.prefixLists ?? 20;
  const rand = rng(opts.seed ?? 42);
  const pick = (n: number) => Math.floor(rand() * n);

  const prefixLists: PrefixList[] = Array.from({ length: nLists }, (_, i) => ({
    prefixListId: `pl-${hex(i, 17)}`,
    name: `com.example.list-${i}`,
    cidrs: Array.from({ length: 1 + (i % 5) }, (_, j) => `172.${16 + (i % 16)}.${j}.0/24`),
  }));

  const permission = (self: number, k: number): IpPermission => {
    const port = 1 + pick(65000);
    switch (k % 10) {
      case 0:
        return { ipProtocol: 'tcp', fromPort: port, toPort: port, userIdGroupPairs: [{ groupId: largeGroupId(pick(nGroups)) }] };
      case 1:
        return { ipProtocol: 'tcp', fromPort: port, toPort: Math.min(65535, port + 100), ipRanges: [{ cidrIp: `10.${pick(256)}.0.0/16` }, { cidrIp: `192.168.${pick(256)}.0/24` }] };
      case 2:
        return { ipProtocol: 'udp', fromPort: port, toPort: port, ipRanges: [{ cidrIp: `10.${pick(256)}.${pick(256)}.0/24` }], ipv6Ranges: [{ cidrIpv6: `2600:1f18:${hex(pick(65536), 4)}::/56` }] };
      case 3:
        return { ipProtocol: '-1', userIdGroupPairs: [{ groupId: largeGroupId(self) }] };
      case 4:
        return { ipProtocol: 'icmp', fromPort: 8, toPort: -1, ipRanges: [{ cidrIp: '10.0.0.0/8' }] };
      case 5:
        return { ipProtocol: '58', fromPort: 128, toPort: 0, ipv6Ranges: [{ cidrIpv6: '::/0' }] };
      case 6:
        return { ipProtocol: 'tcp', fromPort: 443, toPort: 443, prefixListIds: [{ prefixListId: prefixLists[pick(nLists)]!.prefixListId }] };
      case 7:
        return { ipProtocol: '47', ipRanges: [{ cidrIp: `10.${pick(256)}.0.0/16` }] };
      case 8:
        return { ipProtocol: 'tcp', fromPort: 0, toPort: 65535, userIdGroupPairs: [{ groupId: largeGroupId(pick(nGroups)) }, { groupId: largeGroupId(pick(nGroups)) }] };
      default:
        return { ipProtocol: 'udp', fromPort: 53, toPort: 53, ipRanges: [{ cidrIp: `10.${pick(256)}.${pick(256)}.${pick(256)}/32` }] };
    }
  };

  const securityGroups: SecurityGroup[] = Array.from({ length: nGroups }, (_, i) => {
    const inbound = Array.from({ length: Math.ceil(nPerms / 2) }, (_, k) => permission(i, k + i));
    const outbound = Array.from({ length: Math.floor(nPerms / 2) }, (_, k) => permission(i, k + i + 5));
    return { groupId: largeGroupId(i), groupName: `group-${i}`, vpcId: LARGE_VPC_ID, ownerId: '123456789012', inbound, outbound };
  });

  const nodes: ClusterNode[] = Array.from({ length: nNodes }, (_, i) => ({
    name: `ip-10-255-${(i >> 8) & 255}-${i & 255}.ec2.internal`,
    instanceId: instanceId(1_000_000 + i),
    addresses: [`10.255.${(i >> 8) & 255}.${i & 255}`],
  }));

  const networkInterfaces: NetworkInterface[] = Array.from({ length: nEnis }, (_, i) => {
    const groups = [...new Set([largeGroupId(pick(nGroups)), largeGroupId(pick(nGroups))])];
    const base = { networkInterfaceId: largeEniId(i), vpcId: LARGE_VPC_ID, subnetId: `subnet-${hex(i % 6)}`, groups, privateIpAddresses: [ipv4(i + 1)], ipv6Addresses: [] as string[] };
    if (nNodes > 0 && i % 100 === 0) {
      const node = nodes[(i / 100) % nNodes]!;
      return { ...base, description: `node ${node.name}`, interfaceType: 'interface', attachment: { instanceId: node.instanceId!, deviceIndex: 0, status: 'attached' } };
    }
    if (i % 100 === 1) return { ...base, description: `aws-K8S-${instanceId(1_000_000 + (i % Math.max(1, nNodes)))}`, interfaceType: 'interface' };
    if (i % 10 === 2) return { ...base, description: 'RDSNetworkInterface', interfaceType: 'interface', requesterId: 'amazon-rds', requesterManaged: true };
    return {
      ...base,
      description: `instance ${i}`,
      interfaceType: 'interface',
      attachment: { instanceId: instanceId(i), deviceIndex: 0, status: 'attached' },
      ipv6Addresses: i % 3 === 0 ? [ipv6(i)] : [],
    };
  });

  return { vpcId: LARGE_VPC_ID, securityGroups, networkInterfaces, prefixLists, nodes };
}
