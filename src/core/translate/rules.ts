// One AWS permission × each peer → Calico rules (SPEC §3 table): the protocol half (protocol, ports,
// ICMP type and code) and the peer half (CIDRs, IPv6 CIDRs, prefix lists and groups). A peer that
// cannot be resolved, or a protocol that cannot be matched, gives no rule (fail closed) and is
// reported. The result is placement-free: local and remote policies put the same mapped rules in
// different places.
import type { EntityRule, Rule } from '../calico.js';
import type { IpPermission, SecurityGroup } from '../inventory.js';
import type { TranslateContext } from './context.js';
import type { SkippedPeer } from './result.js';
import { groupMembers } from './selectors.js';
import { chunk, MAX_NETS_PER_RULE } from './splitting.js';

/** Rule annotation naming the AWS permission a rule came from (read by people and by explain). */
export const AWS_RULE_ANNOTATION = 'sgbridge.io/aws-rule';

export interface MappedRule {
  match: Match;
  peer: Peer;
  /** "inbound tcp/80 from sg-…": the AWS permission and peer this rule enforces. */
  note: string;
}

/** A group's permissions mapped once, for its sg-local and its sg-remote policies. */
export interface MappedGroup {
  inbound: MappedRule[];
  outbound: MappedRule[];
}

export function mapGroup(group: SecurityGroup, ctx: TranslateContext): MappedGroup {
  const inbound: MappedRule[] = [];
  const outbound: MappedRule[] = [];
  for (const p of group.inbound) for (const m of mapPermission(p, group, 'inbound', ctx)) inbound.push(m);
  for (const p of group.outbound) for (const m of mapPermission(p, group, 'outbound', ctx)) outbound.push(m);
  return { inbound, outbound };
}

function mapPermission(perm: IpPermission, owner: SecurityGroup, direction: SkippedPeer['direction'], ctx: TranslateContext): MappedRule[] {
  const proto = mapProtocol(perm);
  const peers = resolvePeers(perm, owner, direction, ctx);
  const word = direction === 'inbound' ? 'from' : 'to';
  if (!proto.ok) {
    const all = [...peers.v4, ...peers.v6, ...peers.groups.map((g) => g.groupId)];
    ctx.skip({ groupId: owner.groupId, direction, peer: all.join(',') || '(none)', reason: proto.reason, detail: proto.text });
    return [];
  }
  const out: MappedRule[] = [];
  const addNets = (version: 4 | 6, nets: string[]) => {
    if (nets.length === 0) return;
    if (proto.onlyVersion !== undefined && proto.onlyVersion !== version) {
      ctx.skip({ groupId: owner.groupId, direction, peer: nets.join(','), reason: 'ip-version-mismatch', detail: `${proto.text} cannot match IPv${version} addresses` });
      return;
    }
    for (const part of chunk(nets, MAX_NETS_PER_RULE)) {
      const text = part.length === 1 ? part[0]! : `${part.length} IPv${version} CIDRs`;
      out.push({ match: proto.match, peer: { nets: part, text }, note: `${direction} ${proto.text} ${word} ${text}` });
    }
  };
  addNets(4, peers.v4);
  addNets(6, peers.v6);
  for (const g of peers.groups) {
    const peer = groupPeer(g.groupId, g.label);
    out.push({ match: proto.match, peer, note: `${direction} ${proto.text} ${word} ${peer.text}` });
  }
  return out;
}

/** A fresh entity for the peer (rules never share objects: YAML would print aliases). */
function peerEntity(peer: Peer): EntityRule {
  return 'nets' in peer ? { nets: peer.nets.slice() } : { selector: peer.selector };
}

/** Builds the rule with a stable key order: action, protocol, ipVersion, icmp, source, destination, metadata. */
export function passRule(m: MappedRule, source: EntityRule | undefined, destination: EntityRule | undefined): Rule {
  const rule: Rule = { action: 'Pass' };
  const match = m.match;
  if (match.protocol !== undefined) rule.protocol = match.protocol;
  if (match.ipVersion !== undefined) rule.ipVersion = match.ipVersion;
  if (match.icmp !== undefined) rule.icmp = match.icmp.code === undefined ? { type: match.icmp.type } : { type: match.icmp.type, code: match.icmp.code };
  if (source) rule.source = source;
  if (match.ports) {
    destination ??= {};
    destination.ports = match.ports.slice();
  }
  if (destination) rule.destination = destination;
  rule.metadata = { annotations: { [AWS_RULE_ANNOTATION]: m.note } };
  return rule;
}

/** A group's inbound permission on its own members: the peer is the source. */
export function localIngress(m: MappedRule): Rule {
  return passRule(m, peerEntity(m.peer), undefined);
}

/** A group's outbound permission on its own members: the peer is the destination. */
export function localEgress(m: MappedRule): Rule {
  return passRule(m, undefined, peerEntity(m.peer));
}

/** Group G's outbound permission, seen from a pod receiving traffic from G's VPC members. */
export function remoteIngress(m: MappedRule, vpcMembersOfG: string): Rule {
  return passRule(m, { selector: vpcMembersOfG }, peerEntity(m.peer));
}

/** Group G's inbound permission, seen from a pod sending traffic to G's VPC members. */
export function remoteEgress(m: MappedRule, vpcMembersOfG: string): Rule {
  return passRule(m, peerEntity(m.peer), { selector: vpcMembersOfG });
}

// Peers.

export type Peer = { nets: string[]; text: string } | { selector: string; text: string };

function unique(xs: string[]): string[] {
  return xs.length < 2 ? xs : [...new Set(xs)];
}

interface ResolvedPeers {
  v4: string[];
  v6: string[];
  /** label: the pair's description, else the group's name (for the rule annotation). */
  groups: { groupId: string; label?: string }[];
}

/** Resolves every peer of a permission; unresolvable ones go to ctx.skip. */
function resolvePeers(perm: IpPermission, owner: SecurityGroup, direction: SkippedPeer['direction'], ctx: TranslateContext): ResolvedPeers {
  const v4: string[] = [];
  const v6: string[] = [];
  const skip = (peer: string, reason: SkippedPeer['reason'], detail: string) => ctx.skip({ groupId: owner.groupId, direction, peer, reason, detail });
  const addCidr = (cidr: string, where: string) => {
    const version = ctx.cidrVersion(cidr);
    if (version === 4) v4.push(cidr);
    else if (version === 6) v6.push(cidr);
    else skip(cidr, 'invalid-cidr', `${where}: "${cidr}" is not an IPv4 or IPv6 CIDR`);
  };
  for (const r of perm.ipRanges ?? []) addCidr(r.cidrIp, 'IpRanges');
  for (const r of perm.ipv6Ranges ?? []) addCidr(r.cidrIpv6, 'Ipv6Ranges');
  for (const ref of perm.prefixListIds ?? []) {
    const list = ctx.prefixList(ref.prefixListId);
    if (!list) {
      skip(ref.prefixListId, 'missing-prefix-list', `prefix list ${ref.prefixListId} is not in the inventory`);
      continue;
    }
    for (const cidr of list.cidrs) addCidr(cidr, `prefix list ${ref.prefixListId}`);
  }
  const groups: ResolvedPeers['groups'] = [];
  for (const pair of perm.userIdGroupPairs ?? []) {
    const id = pair.groupId;
    const target = ctx.peerGroup(id);
    const vpc = pair.vpcId ?? target?.vpcId;
    if (vpc !== undefined && vpc !== ctx.vpcId) {
      skip(id, 'other-vpc', `group ${id} is in ${vpc}, not in ${ctx.vpcId}`);
    } else if (pair.userId !== undefined && owner.ownerId !== undefined && pair.userId !== owner.ownerId && !target) {
      skip(id, 'other-account', `group ${id} belongs to account ${pair.userId}`);
    } else if (!target) {
      skip(id, 'unknown-group', `group ${id} is not in the inventory of ${ctx.vpcId}`);
    } else if (!groups.some((g) => g.groupId === id)) {
      groups.push({ groupId: id, label: pair.description || target.groupName });
    }
  }
  return { v4: unique(v4), v6: unique(v6), groups };
}

function groupPeer(groupId: string, label?: string): Peer {
  return { selector: groupMembers(groupId), text: label ? `${groupId} (${label})` : groupId };
}

// Protocols.

export interface Match {
  protocol?: string | number;
  /** Set for ICMP and ICMPv6: Calico needs the version for ICMP type matching. */
  ipVersion?: 4 | 6;
  icmp?: { type: number; code?: number };
  ports?: (number | string)[];
}

type ProtocolMapping =
  | { ok: true; match: Match; /** nets of the other IP version can never match */ onlyVersion?: 4 | 6; text: string }
  | { ok: false; reason: 'unsupported-protocol' | 'invalid-icmp'; text: string };

const isAll = (n: number | undefined) => n === undefined || n === -1;

function portMatch(name: 'TCP' | 'UDP', perm: IpPermission): ProtocolMapping {
  const lower = name.toLowerCase();
  const { fromPort: from, toPort: to } = perm;
  if (isAll(from) || (from === 0 && (to === 65535 || isAll(to)))) return { ok: true, match: { protocol: name }, text: `${lower}/all` };
  const end = isAll(to) ? from! : to!;
  if (end < from!) return { ok: false, reason: 'unsupported-protocol', text: `${lower} ports ${from}-${to} (start after end)` };
  if (end === from) return { ok: true, match: { protocol: name, ports: [from!] }, text: `${lower}/${from}` };
  return { ok: true, match: { protocol: name, ports: [`${from}:${end}`] }, text: `${lower}/${from}-${end}` };
}

function icmpMatch(version: 4 | 6, perm: IpPermission): ProtocolMapping {
  const name = version === 4 ? 'ICMP' : 'ICMPv6';
  const lower = name.toLowerCase();
  const { fromPort: type, toPort: code } = perm;
  if (isAll(type)) return { ok: true, match: { protocol: name, ipVersion: version }, text: `${lower}/all`, onlyVersion: version };
  if (type! < 0 || type! > 254) return { ok: false, reason: 'invalid-icmp', text: `${lower} type ${type} (expected 0-254 or -1)` };
  if (isAll(code)) return { ok: true, match: { protocol: name, ipVersion: version, icmp: { type: type! } }, text: `${lower} type ${type}`, onlyVersion: version };
  if (code! < 0 || code! > 255) return { ok: false, reason: 'invalid-icmp', text: `${lower} code ${code} (expected 0-255 or -1)` };
  return { ok: true, match: { protocol: name, ipVersion: version, icmp: { type: type!, code: code! } }, text: `${lower} type ${type} code ${code}`, onlyVersion: version };
}

function mapProtocol(perm: IpPermission): ProtocolMapping {
  const p = String(perm.ipProtocol).trim().toLowerCase();
  switch (p) {
    case '-1':
    case 'all':
      return { ok: true, match: {}, text: 'all traffic' };
    case 'tcp':
    case '6':
      return portMatch('TCP', perm);
    case 'udp':
    case '17':
      return portMatch('UDP', perm);
    case 'icmp':
    case '1':
      return icmpMatch(4, perm);
    case 'icmpv6':
    case '58':
      return icmpMatch(6, perm);
  }
  if (/^\d{1,3}$/.test(p) && Number(p) >= 1 && Number(p) <= 255) return { ok: true, match: { protocol: Number(p) }, text: `protocol ${p}` };
  return { ok: false, reason: 'unsupported-protocol', text: `protocol "${perm.ipProtocol}" (expected -1, tcp, udp, icmp, icmpv6 or a number 1-255)` };
}
