// Small inventories for translation tests.
import type { CalicoObject, Rule } from '../../../src/core/calico.js';
import type { Inventory, IpPermission, NetworkInterface, SecurityGroup } from '../../../src/core/inventory.js';
import { defaultSettings } from '../../../src/core/settings.js';
import { translate, type ClusterFacts, type Translation } from '../../../src/core/translate/index.js';

export const VPC = 'vpc-0123456789abcdef0';
export const A = 'sg-0aaaaaaaaaaaaaaaa';
export const B = 'sg-0bbbbbbbbbbbbbbbb';
export const C = 'sg-0cccccccccccccccc';

export function group(groupId: string, inbound: IpPermission[] = [], outbound: IpPermission[] = [], extra: Partial<SecurityGroup> = {}): SecurityGroup {
  return { groupId, groupName: `name-${groupId}`, vpcId: VPC, ownerId: '111122223333', inbound, outbound, ...extra };
}

export function eni(id: string, groups: string[], ip: string, extra: Partial<NetworkInterface> = {}): NetworkInterface {
  return { networkInterfaceId: id, vpcId: VPC, groups, privateIpAddresses: [ip], ipv6Addresses: [], ...extra };
}

export function inventory(groups: SecurityGroup[], enis: NetworkInterface[] = [], extra: Partial<Inventory> = {}): Inventory {
  return { vpcId: VPC, securityGroups: groups, networkInterfaces: enis, prefixLists: [], ...extra };
}

export function run(inv: Inventory, facts: ClusterFacts = { nodes: inv.nodes ?? [] }, settings = defaultSettings()): Translation {
  return translate(inv, facts, settings);
}

export function object(t: Translation, kind: string, name: string): CalicoObject {
  const o = t.objects.find((x) => x.kind === kind && x.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in ${t.objects.map((x) => `${x.kind}/${x.metadata.name}`).join(', ')}`);
  return o;
}

export function rules(o: CalicoObject, dir: 'ingress' | 'egress'): Rule[] {
  return (o.spec[dir] as Rule[] | undefined) ?? [];
}

/** Rules without their explanatory annotation, for comparing shapes. */
export function bare(rs: Rule[]): Rule[] {
  return rs.map(({ metadata: _m, ...r }) => r as Rule);
}

/** sg-local.A's rules for one inbound permission of A (B exists as a peer group). */
export function inboundRules(perm: IpPermission, extra: Partial<Inventory> = {}): { rules: Rule[]; t: Translation } {
  const t = run(inventory([group(A, [perm]), group(B)], [], extra));
  return { rules: bare(rules(object(t, 'GlobalNetworkPolicy', `sg-local.${A}`), 'ingress')), t };
}

export function outboundRules(perm: IpPermission, extra: Partial<Inventory> = {}): { rules: Rule[]; t: Translation } {
  const t = run(inventory([group(A, [], [perm]), group(B)], [], extra));
  return { rules: bare(rules(object(t, 'GlobalNetworkPolicy', `sg-local.${A}`), 'egress')), t };
}
