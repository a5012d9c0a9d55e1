// Where the inventory comes from (SPEC §7): live EC2 with --aws, else a file (--inventory or the
// tutorial VPC shipped in examples/inventory.yaml).
import type { Inventory } from '../core/inventory.js';
import type { Settings } from '../core/settings.js';
import { readInventoryFromEc2 } from './ec2-reader.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from './inventory-file.js';

export async function loadInventory(settings: Pick<Settings, 'aws' | 'vpcId' | 'inventory'>): Promise<Inventory> {
  if (settings.aws) return readInventoryFromEc2({ vpcId: settings.vpcId });
  return readInventoryFile(settings.inventory || EXAMPLE_INVENTORY);
}
