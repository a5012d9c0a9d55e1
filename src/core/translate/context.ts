// Lookups built once per translation.
import type { Inventory, PrefixList, SecurityGroup } from '../inventory.js';
import type { SkippedPeer } from './types.js';

export interface TranslateContext {
  vpcId: string;
  groups: Map<string, SecurityGroup>;
  prefixLists: Map<string, PrefixList>;
  /** Records a skipped peer once, however many policies met it. */
  skip(peer: SkippedPeer): void;
}

export function createContext(inventory: Inventory, skipped: SkippedPeer[]): TranslateContext {
  const seen = new Set<string>();
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
  };
}
