// One AWS permission × each peer → Calico rules (SPEC §3 table). The result is placement-free:
// local and remote policies put the same mapped rules in different places.
import type { EntityRule, Rule } from '../calico.js';
import type { IpPermission, SecurityGroup } from '../inventory.js';
import type { TranslateContext } from './context.js';
import { groupPeer, resolvePeers, type Peer } from './peers.js';
import { mapProtocol, type Match } from './protocol.js';
import { chunk, MAX_NETS_PER_RULE } from './splitting.js';
import type { SkippedPeer } from './types.js';

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

export function mapPermission(perm: IpPermission, owner: SecurityGroup, direction: SkippedPeer['direction'], ctx: TranslateContext): MappedRule[] {
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
