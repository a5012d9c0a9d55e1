// The peer half of the rule mapping (SPEC §3 table): CIDRs, IPv6 CIDRs, prefix lists and groups.
// A peer that cannot be resolved gives no rule (fail closed) and is reported.
import { isIP } from 'node:net';
import type { IpPermission, SecurityGroup } from '../inventory.js';
import type { TranslateContext } from './context.js';
import { groupMembers } from './selectors.js';
import type { SkippedPeer } from './types.js';

export type Peer = { nets: string[]; text: string } | { selector: string; text: string };

export function cidrVersion(cidr: string): 4 | 6 | undefined {
  const slash = cidr.indexOf('/');
  const addr = slash < 0 ? cidr : cidr.slice(0, slash);
  const version = isIP(addr);
  if (version !== 4 && version !== 6) return undefined;
  if (slash < 0) return version;
  const bits = cidr.slice(slash + 1);
  if (!/^\d{1,3}$/.test(bits) || Number(bits) > (version === 4 ? 32 : 128)) return undefined;
  return version;
}

function unique(xs: string[]): string[] {
  return xs.length < 2 ? xs : [...new Set(xs)];
}

export interface ResolvedPeers {
  v4: string[];
  v6: string[];
  /** label: the pair's description, else the group's name (for the rule annotation). */
  groups: { groupId: string; label?: string }[];
}

/** Resolves every peer of a permission; unresolvable ones go to ctx.skip. */
export function resolvePeers(perm: IpPermission, owner: SecurityGroup, direction: SkippedPeer['direction'], ctx: TranslateContext): ResolvedPeers {
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
    const list = ctx.prefixLists.get(ref.prefixListId);
    if (!list) {
      skip(ref.prefixListId, 'missing-prefix-list', `prefix list ${ref.prefixListId} is not in the inventory`);
      continue;
    }
    for (const cidr of list.cidrs) addCidr(cidr, `prefix list ${ref.prefixListId}`);
  }
  const groups: ResolvedPeers['groups'] = [];
  for (const pair of perm.userIdGroupPairs ?? []) {
    const id = pair.groupId;
    const target = ctx.groups.get(id);
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

export function groupPeer(groupId: string, label?: string): Peer {
  return { selector: groupMembers(groupId), text: label ? `${groupId} (${label})` : groupId };
}
