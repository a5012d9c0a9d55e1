// withSecurityGroups(): an inventory brought up to date from a re-read of some groups, as a pure
// function — replaced, added and proven-gone groups, everything else as it was, prefix lists
// following the groups.
import { describe, expect, it } from 'vitest';
import type { Inventory, SecurityGroup } from '../../src/core/inventory.js';
import { referencedPrefixLists, withSecurityGroups, type SecurityGroupRead } from '../../src/core/inventory-patch.js';

const VPC = 'vpc-0123456789abcdef0';
const sg = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
const pl = (n: number) => `pl-${n.toString(16).padStart(17, '0')}`;

function group(n: number, port = 80, lists: number[] = []): SecurityGroup {
  return {
    groupId: sg(n),
    groupName: `g${n}`,
    vpcId: VPC,
    inbound: [{ ipProtocol: 'tcp', fromPort: port, toPort: port, ...(lists.length ? { prefixListIds: lists.map((l) => ({ prefixListId: pl(l) })) } : {}) }],
    outbound: [],
  };
}

function inventory(): Inventory {
  return {
    vpcId: VPC,
    securityGroups: [group(1, 80, [1]), group(2, 80, [1, 2]), group(3)],
    networkInterfaces: [{ networkInterfaceId: 'eni-00000000000000001', vpcId: VPC, groups: [sg(1), sg(2)], privateIpAddresses: ['10.0.0.1'], ipv6Addresses: [] }],
    prefixLists: [
      { prefixListId: pl(1), cidrs: ['52.0.0.0/8'] },
      { prefixListId: pl(2), cidrs: ['54.0.0.0/8'] },
    ],
    nodes: [{ name: 'node-a', addresses: ['10.0.1.1'] }],
  };
}

const read = (r: Partial<SecurityGroupRead>): SecurityGroupRead => ({ securityGroups: [], goneIds: [], prefixLists: [], ...r });

describe('withSecurityGroups', () => {
  it('replaces a re-read group and leaves every other field and group as it was', () => {
    const before = inventory();
    const frozen = structuredClone(before);
    const after = withSecurityGroups(before, read({ securityGroups: [group(3, 8443)] }), [sg(3)]);
    expect(after.securityGroups).toEqual([group(1, 80, [1]), group(2, 80, [1, 2]), group(3, 8443)]);
    expect(after.networkInterfaces).toBe(before.networkInterfaces);
    expect(after.nodes).toBe(before.nodes);
    expect(after.vpcId).toBe(VPC);
    expect(after.prefixLists).toEqual(before.prefixLists);
    expect(before).toEqual(frozen);
  });

  it('adds a new group in id order', () => {
    const after = withSecurityGroups(inventory(), read({ securityGroups: [group(0)] }), [sg(0)]);
    expect(after.securityGroups.map((g) => g.groupId)).toEqual([sg(0), sg(1), sg(2), sg(3)]);
  });

  it('drops a requested group only when the read proves it gone', () => {
    expect(withSecurityGroups(inventory(), read({ goneIds: [sg(3)] }), [sg(3)]).securityGroups.map((g) => g.groupId)).toEqual([sg(1), sg(2)]);
    // requested, but neither found nor reported gone: no proof, so it stays
    expect(withSecurityGroups(inventory(), read({}), [sg(3)]).securityGroups).toEqual(inventory().securityGroups);
    // reported gone but not requested: not this read's business
    expect(withSecurityGroups(inventory(), read({ goneIds: [sg(2)] }), [sg(3)]).securityGroups.map((g) => g.groupId)).toEqual([sg(1), sg(2), sg(3)]);
    // found wins over gone for the same id
    expect(withSecurityGroups(inventory(), read({ securityGroups: [group(3, 22)], goneIds: [sg(3)] }), [sg(3)]).securityGroups[2]).toEqual(group(3, 22));
  });

  it('takes only requested groups from the read', () => {
    const after = withSecurityGroups(inventory(), read({ securityGroups: [group(1, 9999), group(3, 8443)] }), [sg(3)]);
    expect(after.securityGroups.map((g) => g.inbound[0]!.fromPort)).toEqual([80, 80, 8443]);
  });

  it('takes the prefix lists of re-read groups from the read, keeps the others, and drops lists nothing references', () => {
    // group 2 now references list 3 (new) and list 1 (re-read with new entries), no longer list 2
    const after = withSecurityGroups(
      inventory(),
      read({ securityGroups: [group(2, 80, [1, 3])], prefixLists: [{ prefixListId: pl(1), cidrs: ['52.1.0.0/16'] }, { prefixListId: pl(3), cidrs: ['3.0.0.0/8'] }] }),
      [sg(2)],
    );
    expect(after.prefixLists).toEqual([
      { prefixListId: pl(1), cidrs: ['52.1.0.0/16'] },
      { prefixListId: pl(3), cidrs: ['3.0.0.0/8'] },
    ]);
  });

  it('drops a list a re-read group references when the read found it gone, as a full read would', () => {
    const after = withSecurityGroups(inventory(), read({ securityGroups: [group(2, 80, [1, 2])], prefixLists: [{ prefixListId: pl(1), cidrs: ['52.0.0.0/8'] }] }), [sg(2)]);
    expect(after.prefixLists.map((l) => l.prefixListId)).toEqual([pl(1)]);
  });

  it('drops the lists only a deleted group referenced', () => {
    const after = withSecurityGroups(inventory(), read({ goneIds: [sg(2)] }), [sg(2)]);
    expect(after.prefixLists.map((l) => l.prefixListId)).toEqual([pl(1)]);
  });
});

describe('referencedPrefixLists', () => {
  it('lists each referenced id once, sorted, from inbound and outbound rules', () => {
    const g = group(1, 80, [3, 1]);
    g.outbound = [{ ipProtocol: '-1', prefixListIds: [{ prefixListId: pl(2) }, { prefixListId: pl(1) }] }];
    expect(referencedPrefixLists([g, group(2)])).toEqual([pl(1), pl(2), pl(3)]);
  });
});
