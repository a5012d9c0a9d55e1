// Re-reading some security groups (AWS change events) through the real SDK stack against the EC2
// Query-API double: DescribeSecurityGroups by GroupIds, gone groups reported as gone (never as a
// failed read), and merged into an inventory with the same result as a full read.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createEc2Client, Ec2ReadError, readInventoryAfterChange, readInventoryFromEc2, readSecurityGroupsFromEc2 } from '../../src/aws/ec2-reader.js';
import type { AwsChange } from '../../src/core/aws-change.js';
import { withSecurityGroups } from '../../src/core/inventory-patch.js';
import { startEc2QueryDouble, type Ec2QueryDouble } from './ec2-query-double.js';

const VPC = 'vpc-0123456789abcdef0';
const sg = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
let double: Ec2QueryDouble;
let wide: Ec2QueryDouble;

beforeAll(async () => {
  double = await startEc2QueryDouble({ vpcId: VPC, groups: 7, pageSize: 3 });
  wide = await startEc2QueryDouble({ vpcId: VPC, groups: 250, pageSize: 1000 });
});
afterAll(async () => {
  await double.close();
  await wide.close();
});
beforeEach(() => {
  double.reset();
  wide.reset();
});

const clientOf = (d: Ec2QueryDouble) => createEc2Client({ endpoint: d.endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
const client = () => clientOf(double);
const groupCalls = (d = double) => d.requests.filter((r) => r.action === 'DescribeSecurityGroups');
const idsSent = (params: Record<string, string>) => Object.keys(params).filter((k) => k.startsWith('GroupId.')).map((k) => params[k]);

describe('readSecurityGroupsFromEc2', () => {
  it('asks for the named groups only, by GroupIds, and the prefix lists they reference', async () => {
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(4), sg(1), sg(4)], client: client() });
    expect(read.securityGroups.map((g) => g.groupId)).toEqual([sg(1), sg(4)]);
    expect(read.securityGroups[0]!.inbound[0]).toMatchObject({ ipProtocol: 'tcp', fromPort: 80, prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }] });
    expect(read.goneIds).toEqual([]);
    expect(read.prefixLists).toEqual([{ prefixListId: 'pl-0123456789abcdef0', cidrs: ['52.94.0.0/22'] }]);
    expect(groupCalls()).toHaveLength(1);
    const params = groupCalls()[0]!.params;
    expect(idsSent(params)).toEqual([sg(1), sg(4)]);
    expect(params.MaxResults).toBeUndefined();
    expect(Object.keys(params).some((k) => k.startsWith('Filter.'))).toBe(false);
    expect(double.requests.map((r) => r.action)).toEqual(['DescribeSecurityGroups', 'GetManagedPrefixListEntries']);
  });

  it('makes no call for no ids', async () => {
    expect(await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [], client: client() })).toEqual({ securityGroups: [], goneIds: [], prefixLists: [] });
    expect(double.requests).toEqual([]);
  });

  it('reports a deleted group as gone (InvalidGroup.NotFound names it) and reads the rest', async () => {
    double.changeGroup(2, { deleted: true });
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(2), sg(3)], client: client() });
    expect(read.securityGroups.map((g) => g.groupId)).toEqual([sg(3)]);
    expect(read.goneIds).toEqual([sg(2)]);
    expect(groupCalls().map((r) => idsSent(r.params))).toEqual([[sg(2), sg(3)], [sg(3)]]);
  });

  it('reports every requested group gone when all are, with no prefix list call', async () => {
    double.changeGroup(5, { deleted: true });
    double.changeGroup(6, { deleted: true });
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(5), sg(6), sg(99)], client: client() });
    expect(read).toEqual({ securityGroups: [], goneIds: [sg(5), sg(6), sg(99)], prefixLists: [] });
    expect(double.requests.filter((r) => r.action === 'GetManagedPrefixListEntries')).toEqual([]);
  });

  it('when NotFound names no id, narrows the batch down until each unknown id was refused on its own', async () => {
    double.notFoundMessage = () => 'One or more security groups do not exist';
    double.changeGroup(2, { deleted: true });
    double.changeGroup(5, { deleted: true });
    const ids = [sg(1), sg(2), sg(3), sg(5)];
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: ids, client: client() });
    expect(read.securityGroups.map((g) => g.groupId)).toEqual([sg(1), sg(3)]);
    expect(read.goneIds).toEqual([sg(2), sg(5)]);
    const alone = groupCalls().map((r) => idsSent(r.params)).filter((sent) => sent.length === 1).map((sent) => sent[0]);
    expect(alone).toEqual(expect.arrayContaining([sg(2), sg(5)]));
  });

  it('reports a group that belongs to another VPC as gone from this one', async () => {
    double.changeGroup(3, { vpcId: 'vpc-0ffffffffffffffff' });
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(3), sg(4)], client: client() });
    expect(read.securityGroups.map((g) => g.groupId)).toEqual([sg(4)]);
    expect(read.goneIds).toEqual([sg(3)]);
  });

  it('fails, naming the call and code, on any other error: a failed read is never "gone"', async () => {
    double.fail('DescribeSecurityGroups', [{ status: 403, code: 'UnauthorizedOperation', message: 'You are not authorized to perform this operation.' }]);
    const read = readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(1)], client: client() });
    await expect(read).rejects.toBeInstanceOf(Ec2ReadError);
    await expect(read).rejects.toMatchObject({ call: 'DescribeSecurityGroups', code: 'UnauthorizedOperation' });
  });

  it('fails when a prefix list read fails with anything but NotFound', async () => {
    double.fail('GetManagedPrefixListEntries', [{ status: 403, code: 'UnauthorizedOperation', message: 'no' }]);
    await expect(readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(1)], client: client() })).rejects.toMatchObject({ call: 'GetManagedPrefixListEntries' });
  });

  it('asks for at most 100 ids a call', async () => {
    const ids = Array.from({ length: 250 }, (_, i) => sg(i));
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: ids, client: clientOf(wide) });
    expect(read.securityGroups).toHaveLength(250);
    expect(groupCalls(wide).map((r) => idsSent(r.params).length)).toEqual([100, 100, 50]);
  });
});

describe('a partial re-read merged into the inventory', () => {
  it('gives what a full read gives after one rule changed, for one small call', async () => {
    const before = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    double.changeGroup(3, { port: 8443 });
    const start = double.requests.length;
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(3)], client: client() });
    const partialCalls = double.requests.length - start;
    const merged = withSecurityGroups(before, read, [sg(3)]);
    expect(merged.securityGroups.find((g) => g.groupId === sg(3))!.inbound[0]).toMatchObject({ fromPort: 8443, toPort: 8443 });
    expect(merged).toEqual(await readInventoryFromEc2({ vpcId: VPC, client: client() }));
    expect(merged).not.toEqual(before);
    expect(partialCalls).toBe(2);
  });

  it('gives what a full read gives after a group was deleted', async () => {
    const before = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    double.changeGroup(2, { deleted: true });
    const read = await readSecurityGroupsFromEc2({ vpcId: VPC, groupIds: [sg(2)], client: client() });
    expect(read.goneIds).toEqual([sg(2)]);
    const merged = withSecurityGroups(before, read, [sg(2)]);
    expect(merged.securityGroups.map((g) => g.groupId)).not.toContain(sg(2));
    expect(merged).toEqual(await readInventoryFromEc2({ vpcId: VPC, client: client() }));
  });
});

describe('readInventoryAfterChange', () => {
  const change = (ids: string[], full = false): AwsChange => ({ securityGroupIds: ids, full, eventNames: ['AuthorizeSecurityGroupIngress'] });
  const actions = () => [...new Set(double.requests.map((r) => r.action))].sort();

  it('re-reads only the named groups when it has an inventory of the VPC to merge into', async () => {
    const current = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    double.reset();
    double.changeGroup(5, { port: 22 });
    const { inventory, read } = await readInventoryAfterChange({ vpcId: VPC, change: change([sg(5)]), current, client: client() });
    expect(read).toBe('groups');
    expect(actions()).toEqual(['DescribeSecurityGroups', 'GetManagedPrefixListEntries']);
    expect(groupCalls().map((r) => idsSent(r.params))).toEqual([[sg(5)]]);
    expect(inventory.securityGroups.find((g) => g.groupId === sg(5))!.inbound[0]).toMatchObject({ fromPort: 22 });
  });

  it('reads in full when the change asks for it, or there is nothing (of this VPC) to merge into', async () => {
    const current = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    for (const [c, base] of [
      [change([sg(5)], true), current],
      [change([sg(5)]), undefined],
      [change([sg(5)]), { ...current, vpcId: 'vpc-0ffffffffffffffff' }],
    ] as const) {
      double.reset();
      const { inventory, read } = await readInventoryAfterChange({ vpcId: VPC, change: c, current: base, client: client() });
      expect(read).toBe('full');
      expect(actions()).toEqual(['DescribeNetworkInterfaces', 'DescribeSecurityGroups', 'GetManagedPrefixListEntries']);
      expect(inventory).toEqual(current);
    }
  });
});
