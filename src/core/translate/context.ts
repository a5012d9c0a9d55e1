// Lookups built once per translation.
import type { Inventory, PrefixList, SecurityGroup } from '../inventory.js';
import { cidrVersion } from '../ip.js';
import type { SkippedPeer } from './result.js';

export interface TranslateContext {
  vpcId: string;
  groups: Map<string, SecurityGroup>;
  prefixLists: Map<string, PrefixList>;
  /** Records a skipped peer once, however many policies met it. */
  skip(peer: SkippedPeer): void;
  /** cidrVersion, memoized: the same CIDRs recur across thousands of rules. */
  cidrVersion(cidr: string): 4 | 6 | undefined;
}

export function createContext(inventory: Inventory, skipped: SkippedPeer[]): TranslateContext {
  const seen = new Set<string>();
  const versions = new Map<string, 4 | 6 | undefined>();
  return {
    vpcId: inventory.vpcId,
    groups: new Map(inventory.securityGroups.map((g) => [g.groupId, g])),
    prefixLists: new Map(inventory.prefixLists.map((p) => [p.prefixListId, p])),
    skip(peer) {
      const key = `${peer.groupId}|${peer.direction}|${peer.peer}|${peer.reason}`;
      if (seen.has(key)) return;
      seen.add(key);
      skipped.push(peer);
    },
    cidrVersion(cidr) {
      let v = versions.get(cidr);
      if (v === undefined && !versions.has(cidr)) versions.set(cidr, (v = cidrVersion(cidr)));
      return v;
    },
  };
}
