// An inventory brought up to date by re-reading some of its security groups (an AWS change event
// named them) instead of the whole VPC. Pure: the reader hands in what it found; a group leaves
// the inventory only on the reader's proof that it is gone, never for being missing from a read.
import type { Inventory, PrefixList, SecurityGroup } from './inventory.js';

/** What re-reading some groups found (src/aws/ec2-reader.ts, readSecurityGroupsFromEc2). */
export interface SecurityGroupRead {
  /** The requested groups that exist in the VPC, sorted by id. */
  securityGroups: SecurityGroup[];
  /** Requested ids EC2 says do not exist (InvalidGroup.NotFound), or that belong to another VPC. */
  goneIds: string[];
  /** The prefix lists those groups reference; one that no longer exists is left out, as in the full read. */
  prefixLists: PrefixList[];
}

/** Prefix list ids the groups' rules reference, sorted. */
export function referencedPrefixLists(groups: readonly SecurityGroup[]): string[] {
  const ids = new Set<string>();
  for (const g of groups) for (const p of [...g.inbound, ...g.outbound]) for (const r of p.prefixListIds ?? []) ids.add(r.prefixListId);
  return [...ids].sort();
}

const byId = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/**
 * The inventory with the requested groups replaced by their re-read form (added when new), the
 * requested ones the read proved gone dropped, and every other group as it was. Prefix lists
 * follow the groups: those the re-read groups reference come from the read (a list missing there
 * no longer exists), the others stay, and lists no group references any more are dropped, so the
 * result is what a full read would give when only the requested groups changed.
 */
export function withSecurityGroups(inventory: Inventory, read: SecurityGroupRead, requestedIds: readonly string[]): Inventory {
  const requested = new Set(requestedIds);
  const found = new Map(read.securityGroups.filter((g) => requested.has(g.groupId)).map((g) => [g.groupId, g]));
  const gone = new Set(read.goneIds.filter((id) => requested.has(id) && !found.has(id)));
  const groups = inventory.securityGroups.filter((g) => !gone.has(g.groupId) && !found.has(g.groupId));
  groups.push(...found.values());
  groups.sort(byId((g) => g.groupId));

  const reread = new Set(referencedPrefixLists([...found.values()]));
  const lists = new Map(inventory.prefixLists.filter((l) => !reread.has(l.prefixListId)).map((l) => [l.prefixListId, l]));
  for (const l of read.prefixLists) if (reread.has(l.prefixListId)) lists.set(l.prefixListId, l);
  const referenced = new Set(referencedPrefixLists(groups));
  const prefixLists = [...lists.values()].filter((l) => referenced.has(l.prefixListId)).sort(byId((l) => l.prefixListId));

  return { ...inventory, securityGroups: groups, prefixLists };
}
