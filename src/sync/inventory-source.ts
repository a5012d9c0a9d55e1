// Where a round's inventory comes from: a full read (start, the resync timer, an AWS event that
// names nothing), a re-read of only the security groups an AWS event named merged into the last
// inventory, or, for rounds triggered by the cluster, the last inventory as it is.
import type { Inventory } from '../core/inventory.js';

export interface InventoryReaders {
  /** The whole inventory (EC2 with --aws, else the file). */
  readInventory: () => Promise<Inventory>;
  /**
   * The inventory after these groups changed, from the last one (readInventoryAfterChange with
   * --aws: the named groups re-read and merged, or a full read when they cannot be merged); without
   * it every AWS change is read in full.
   */
  readAfterChange?: (groupIds: string[], current: Inventory) => Promise<{ inventory: Inventory; read: 'full' | 'groups' }>;
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
    if (!this.readers.readAfterChange) return this.full('no partial reader: read in full');
    let read: Awaited<ReturnType<NonNullable<InventoryReaders['readAfterChange']>>>;
    try {
      read = await this.readers.readAfterChange([...want.groupIds].sort(), this.last);
    } catch (err) {
      throw namedFailure(err, 'DescribeSecurityGroups');
    }
    this.last = read.inventory;
    return read.read === 'groups' ? { inventory: read.inventory, how: 'groups' } : { inventory: read.inventory, how: 'full', note: 'the change could not be merged into the last inventory' };
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
