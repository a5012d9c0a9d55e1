// Where a round's inventory comes from: a full read (start, the resync timer, an AWS event that
// names nothing), a re-read of only the security groups an AWS event named merged into the last
// full inventory, or, for rounds triggered by the cluster, the last inventory as it is.
import type { Inventory, SecurityGroup } from '../core/inventory.js';
import { mergeSecurityGroups } from '../core/inventory-update.js';

export interface InventoryReaders {
  /** The whole inventory (EC2 with --aws, else the file). */
  readInventory: () => Promise<Inventory>;
  /** Only these groups (DescribeSecurityGroups by GroupIds); without it every AWS change is read in full. */
  readSecurityGroups?: (ids: string[]) => Promise<SecurityGroup[]>;
}

export interface InventoryRead {
  inventory: Inventory;
  how: 'full' | 'groups' | 'cached';
  /** Why a partial re-read became a full one. */
  note?: string;
}

/** A failed read, named by the call that failed (the read-error metric's label). */
export function namedFailure(err: unknown, call: string): Error & { call: string } {
  const e = (err instanceof Error ? err : new Error(String(err))) as Error & { call?: string };
  e.call ??= call;
  return e as Error & { call: string };
}

export class InventorySource {
  private last: Inventory | undefined;

  constructor(private readonly readers: InventoryReaders) {}

  get current(): Inventory | undefined {
    return this.last;
  }

  async read(want: { full: boolean; groupIds: ReadonlySet<string> }): Promise<InventoryRead> {
    if (want.full || !this.last) return this.full();
    if (!want.groupIds.size) return { inventory: this.last, how: 'cached' };
    if (!this.readers.readSecurityGroups) return this.full('no partial reader: read in full');
    const ids = [...want.groupIds].sort();
    let groups: SecurityGroup[];
    try {
      groups = await this.readers.readSecurityGroups(ids);
    } catch (err) {
      throw namedFailure(err, 'DescribeSecurityGroups');
    }
    const merged = mergeSecurityGroups(this.last, ids, groups);
    if (!merged.ok) return this.full(merged.reason);
    this.last = merged.inventory;
    return { inventory: merged.inventory, how: 'groups' };
  }

  private async full(note?: string): Promise<InventoryRead> {
    try {
      this.last = await this.readers.readInventory();
    } catch (err) {
      throw namedFailure(err, 'inventory');
    }
    return { inventory: this.last, how: 'full', ...(note ? { note } : {}) };
  }
}
