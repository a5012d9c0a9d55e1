// Lookups built once per translation, and what one group's translation reads through them.
import type { Inventory, PrefixList, SecurityGroup } from '../inventory.js';
import { cidrVersion } from '../ip.js';
import { sameItems } from '../same-items.js';
import type { SkippedPeer } from './result.js';

/** What a rule may know of a peer group: all a group's translation reads of another group. */
export type PeerGroup = Pick<SecurityGroup, 'groupId' | 'vpcId' | 'groupName'>;
/** What a rule reads of a prefix list. */
export type PrefixListView = Pick<PrefixList, 'cidrs'>;

export interface TranslateContext {
  vpcId: string;
  peerGroup(groupId: string): PeerGroup | undefined;
  prefixList(prefixListId: string): PrefixListView | undefined;
  /** Records a skipped peer (the translation keeps each once, however many policies met it). */
  skip(peer: SkippedPeer): void;
  /** cidrVersion, memoized: the same CIDRs recur across thousands of rules. */
  cidrVersion(cidr: string): 4 | 6 | undefined;
}

/** The inventory's lookups, shared by every group of one translation. */
export interface InventoryLookups {
  vpcId: string;
  groups: ReadonlyMap<string, SecurityGroup>;
  prefixLists: ReadonlyMap<string, PrefixList>;
  cidrVersion(cidr: string): 4 | 6 | undefined;
}

export function inventoryLookups(inventory: Inventory): InventoryLookups {
  const versions = new Map<string, 4 | 6 | undefined>();
  return {
    vpcId: inventory.vpcId,
    groups: new Map(inventory.securityGroups.map((g) => [g.groupId, g])),
    prefixLists: new Map(inventory.prefixLists.map((p) => [p.prefixListId, p])),
    cidrVersion(cidr) {
      let v = versions.get(cidr);
      if (v === undefined && !versions.has(cidr)) versions.set(cidr, (v = cidrVersion(cidr)));
      return v;
    },
  };
}

/**
 * Everything one group's translation read of the rest of the inventory: its output is the same
 * for as long as the group and these are (translate/reuse.ts).
 */
export interface GroupReads {
  peers: Map<string, PeerGroup | undefined>;
  prefixLists: Map<string, PrefixListView | undefined>;
  skipped: SkippedPeer[];
}

/** A context for one group's translation that records what it reads and skips. */
export function groupContext(lookups: InventoryLookups): { ctx: TranslateContext; reads: GroupReads } {
  const reads: GroupReads = { peers: new Map(), prefixLists: new Map(), skipped: [] };
  const ctx: TranslateContext = {
    vpcId: lookups.vpcId,
    peerGroup(id) {
      const g = lookups.groups.get(id);
      const view = g && { groupId: g.groupId, vpcId: g.vpcId, groupName: g.groupName };
      reads.peers.set(id, view);
      return view;
    },
    prefixList(id) {
      const l = lookups.prefixLists.get(id);
      const view = l && { cidrs: l.cidrs };
      reads.prefixLists.set(id, view);
      return view;
    },
    skip: (peer) => void reads.skipped.push(peer),
    cidrVersion: lookups.cidrVersion,
  };
  return { ctx, reads };
}

/** Whether what a group's translation read is still what the inventory says. */
export function sameReads(reads: GroupReads, lookups: InventoryLookups): boolean {
  for (const [id, seen] of reads.peers) {
    const g = lookups.groups.get(id);
    if (seen === undefined ? g !== undefined : g === undefined || g.groupId !== seen.groupId || g.vpcId !== seen.vpcId || g.groupName !== seen.groupName) return false;
  }
  for (const [id, seen] of reads.prefixLists) {
    const l = lookups.prefixLists.get(id);
    if (seen === undefined ? l !== undefined : l === undefined || !sameItems(l.cidrs, seen.cidrs)) return false;
  }
  return true;
}
