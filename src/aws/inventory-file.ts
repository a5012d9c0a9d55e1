import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { Inventory } from '../core/inventory.js';
import { InventoryError, parseInventory } from './inventory-schema.js';

/** The tutorial VPC shipped with sgbridge: the embedded default inventory. */
export const EXAMPLE_INVENTORY = fileURLToPath(new URL('../../examples/inventory.yaml', import.meta.url));

export async function readInventoryFile(path: string): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new InventoryError(`inventory file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  let data: unknown;
  try {
    data = parse(text, { maxAliasCount: 100 });
  } catch (err) {
    throw new InventoryError(`inventory file ${path}: not valid YAML or JSON (${(err as Error).message.split('\n')[0]})`);
  }
  return parseInventory(data, `inventory file ${path}`);
}

export async function writeInventoryFile(path: string, inventory: Inventory): Promise<void> {
  const body = path.endsWith('.json') ? JSON.stringify(inventory, null, 2) + '\n' : stringify(inventory);
  await writeFile(path, body);
}
