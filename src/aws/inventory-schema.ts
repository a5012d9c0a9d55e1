// The inventory file format, checked field by field so a broken capture is reported with the
// path of the bad field and the form expected, never half-loaded.
import { z } from 'zod';
import type { Inventory } from '../core/inventory.js';

const sgId = z.string().regex(/^sg-[0-9a-f]{8,17}$/, 'expected a security group id like sg-0123456789abcdef0');
const port = z.number().int().min(-1).max(65535);

const permission = z.strictObject({
  ipProtocol: z.union([z.string(), z.number().transform(String)]),
  fromPort: port.optional(),
  toPort: port.optional(),
  ipRanges: z.array(z.strictObject({ cidrIp: z.string(), description: z.string().optional() })).optional(),
  ipv6Ranges: z.array(z.strictObject({ cidrIpv6: z.string(), description: z.string().optional() })).optional(),
  prefixListIds: z.array(z.strictObject({ prefixListId: z.string(), description: z.string().optional() })).optional(),
  userIdGroupPairs: z
    .array(
      z.strictObject({
        groupId: z.string(),
        userId: z.string().optional(),
        vpcId: z.string().optional(),
        description: z.string().optional(),
      }),
    )
    .optional(),
});

const securityGroup = z.strictObject({
  groupId: sgId,
  groupName: z.string(),
  description: z.string().optional(),
  vpcId: z.string(),
  ownerId: z.string().optional(),
  inbound: z.array(permission).default([]),
  outbound: z.array(permission).default([]),
});

const networkInterface = z.strictObject({
  networkInterfaceId: z.string().regex(/^eni-[0-9a-f]{8,17}$/, 'expected an ENI id like eni-0123456789abcdef0'),
  vpcId: z.string(),
  subnetId: z.string().optional(),
  description: z.string().optional(),
  interfaceType: z.string().optional(),
  requesterId: z.string().optional(),
  requesterManaged: z.boolean().optional(),
  attachment: z
    .strictObject({
      instanceId: z.string().optional(),
      instanceOwnerId: z.string().optional(),
      deviceIndex: z.number().int().optional(),
      status: z.string().optional(),
    })
    .optional(),
  groups: z.array(sgId),
  privateIpAddresses: z.array(z.string()).default([]),
  ipv6Addresses: z.array(z.string()).default([]),
  tags: z.record(z.string(), z.string()).optional(),
});

export const inventorySchema = z.strictObject({
  vpcId: z.string(),
  securityGroups: z.array(securityGroup),
  networkInterfaces: z.array(networkInterface).default([]),
  prefixLists: z.array(z.strictObject({ prefixListId: z.string(), name: z.string().optional(), cidrs: z.array(z.string()) })).default([]),
  nodes: z
    .array(z.strictObject({ name: z.string(), instanceId: z.string().optional(), addresses: z.array(z.string()).default([]) }))
    .optional(),
});

export class InventoryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InventoryError';
  }
}

/** Validates parsed data as an inventory; the error lists each bad field as path: expectation. */
export function parseInventory(data: unknown, source: string): Inventory {
  const result = inventorySchema.safeParse(data);
  if (!result.success) {
    const lines = result.error.issues.slice(0, 20).map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`);
    throw new InventoryError(`${source}: not a valid inventory:\n  ${lines.join('\n  ')}`);
  }
  return result.data as Inventory;
}
