// A partial re-read of AWS (an event named some security groups) merged into the last full
// inventory: the named groups are replaced by what EC2 answered, named groups EC2 no longer has
// are dropped, everything else stays. Pure.
import type { Inventory, SecurityGroup } from './inventory.js';

export type InventoryUpdate = { ok: true; inventory: Inventory } | { ok: false; reason: string };

export function mergeSecurityGroups(base: Inventory, namedIds: readonly string[], reread: readonly SecurityGroup[]): InventoryUpdate {
  const named = new Set(namedIds.map((id) => id.toLowerCase()));
  const stray = reread.find((g) => !named.has(g.groupId));
  if (stray) return { ok: false, reason: `the re-read returned ${stray.groupId}, which was not asked for` };
  // a rule may now name a prefix list the last full read did not fetch: only a full read has its CIDRs
  const knownLists = new Set(base.prefixLists.map((p) => p.prefixListId));
  for (const g of reread) {
    for (const p of [...g.inbound, ...g.outbound]) {
      const unknown = p.prefixListIds?.find((l) => !knownLists.has(l.prefixListId));
      if (unknown) return { ok: false, reason: `${g.groupId} now references prefix list ${unknown.prefixListId}, which the last full read did not include` };
    }
  }
  const byId = new Map(reread.map((g) => [g.groupId, g]));
  const securityGroups: SecurityGroup[] = [];
  for (const g of base.securityGroups) {
    if (!named.has(g.groupId)) securityGroups.push(g);
    else if (byId.has(g.groupId)) securityGroups.push(byId.get(g.groupId)!);
  }
  const present = new Set(base.securityGroups.map((g) => g.groupId));
  for (const g of reread) if (!present.has(g.groupId)) securityGroups.push(g);
  return { ok: true, inventory: { ...base, securityGroups } };
}
