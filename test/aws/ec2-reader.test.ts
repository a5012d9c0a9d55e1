// The EC2 reader against aws-sdk-client-mock (pagination, failures, empty and unknown VPCs) and,
// for retries, against an in-process HTTP double of the EC2 Query API on 127.0.0.1, so the SDK's
// own adaptive retry middleware does the retrying.
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type DescribeNetworkInterfacesCommandOutput,
  type DescribeSecurityGroupsCommandOutput,
  type GetManagedPrefixListEntriesCommandOutput,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { Ec2ReadError, readInventoryFromEc2 } from '../../src/aws/ec2-reader.js';

const VPC = 'vpc-0123456789abcdef0';
const sg = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
const eniId = (n: number) => `eni-${n.toString(16).padStart(17, '0')}`;

const ec2 = mockClient(EC2Client);
const client = () => new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

type SgPage = Partial<DescribeSecurityGroupsCommandOutput>;
type EniPage = Partial<DescribeNetworkInterfacesCommandOutput>;
type PlPage = Partial<GetManagedPrefixListEntriesCommandOutput>;

function sgPage(ids: number[], next?: string): SgPage {
  return {
    SecurityGroups: ids.map((n) => ({
      GroupId: sg(n),
      GroupName: `g${n}`,
      Description: `group ${n}`,
      VpcId: VPC,
      OwnerId: '111122223333',
      IpPermissions: [
        {
          IpProtocol: 'tcp',
          FromPort: 443,
          ToPort: 443,
          IpRanges: [{ CidrIp: '10.0.0.0/8', Description: 'vpc' }],
          Ipv6Ranges: [{ CidrIpv6: '2600::/16' }],
          PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }],
          UserIdGroupPairs: [{ GroupId: sg(1), UserId: '111122223333' }],
        },
      ],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }],
    })),
    ...(next ? { NextToken: next } : {}),
  };
}

function eniPage(ids: number[], next?: string): EniPage {
  return {
    NetworkInterfaces: ids.map((n) => ({
      NetworkInterfaceId: eniId(n),
      VpcId: VPC,
      SubnetId: 'subnet-0123',
      Description: n === 5 ? 'RDSNetworkInterface' : `eni ${n}`,
      InterfaceType: 'interface',
      ...(n === 5 ? { RequesterId: 'amazon-rds', RequesterManaged: true } : { Attachment: { InstanceId: `i-${n}`, DeviceIndex: 0, Status: 'attached' } }),
      Groups: [{ GroupId: sg(n % 3 + 1), GroupName: 'x' }],
      PrivateIpAddress: `10.0.0.${n}`,
      PrivateIpAddresses: [{ PrivateIpAddress: `10.0.0.${n}`, Primary: true }, { PrivateIpAddress: `10.0.1.${n}`, Primary: false }],
      Ipv6Addresses: [{ Ipv6Address: `2600::${n}` }],
      TagSet: [{ Key: 'Name', Value: `eni-${n}` }],
    })),
    ...(next ? { NextToken: next } : {}),
  };
}

const plPage = (cidrs: string[], next?: string): PlPage => ({ Entries: cidrs.map((Cidr) => ({ Cidr })), ...(next ? { NextToken: next } : {}) });

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: 'client', $metadata: { httpStatusCode: 400 } });
}

beforeEach(() => ec2.reset());

describe('readInventoryFromEc2 (aws-sdk-client-mock)', () => {
  it('reads three pages of every call, filtered by vpc-id, and maps them to the inventory', async () => {
    // Each double answers by the NextToken it is sent (paginators reuse their input object, so the
    // token is recorded at call time).
    const seen: Record<string, unknown[]> = { sg: [], eni: [], pl: [] };
    const byToken = <P>(log: unknown[], pages: Record<string, P>) => (input: { NextToken?: string; Filters?: unknown; MaxResults?: number; PrefixListId?: string }) => {
      log.push({ token: input.NextToken, filters: structuredClone(input.Filters), max: input.MaxResults, list: input.PrefixListId });
      return pages[input.NextToken ?? 'first']!;
    };
    ec2.on(DescribeSecurityGroupsCommand).callsFake(byToken(seen.sg!, { first: sgPage([3, 1], 'sg-2'), 'sg-2': sgPage([2], 'sg-3'), 'sg-3': sgPage([4]) }));
    ec2.on(DescribeNetworkInterfacesCommand).callsFake(byToken(seen.eni!, { first: eniPage([4], 'e2'), e2: eniPage([5], 'e3'), e3: eniPage([6]) }));
    ec2.on(GetManagedPrefixListEntriesCommand).callsFake(byToken(seen.pl!, { first: plPage(['52.0.0.0/8'], 'p2'), p2: plPage(['2600:1f00::/24'], 'p3'), p3: plPage(['54.0.0.0/8']) }));

    const inv = await readInventoryFromEc2({ vpcId: VPC, client: client() });

    expect(inv.vpcId).toBe(VPC);
    expect(inv.securityGroups.map((g) => g.groupId)).toEqual([sg(1), sg(2), sg(3), sg(4)]);
    expect(inv.networkInterfaces.map((e) => e.networkInterfaceId)).toEqual([eniId(4), eniId(5), eniId(6)]);
    expect(inv.prefixLists).toEqual([{ prefixListId: 'pl-0123456789abcdef0', cidrs: ['52.0.0.0/8', '2600:1f00::/24', '54.0.0.0/8'] }]);
    expect(inv.securityGroups[0]).toEqual({
      groupId: sg(1),
      groupName: 'g1',
      description: 'group 1',
      vpcId: VPC,
      ownerId: '111122223333',
      inbound: [
        {
          ipProtocol: 'tcp',
          fromPort: 443,
          toPort: 443,
          ipRanges: [{ cidrIp: '10.0.0.0/8', description: 'vpc' }],
          ipv6Ranges: [{ cidrIpv6: '2600::/16' }],
          prefixListIds: [{ prefixListId: 'pl-0123456789abcdef0' }],
          userIdGroupPairs: [{ groupId: sg(1), userId: '111122223333' }],
        },
      ],
      outbound: [{ ipProtocol: '-1', ipRanges: [{ cidrIp: '0.0.0.0/0' }] }],
    });
    expect(inv.networkInterfaces[0]).toEqual({
      networkInterfaceId: eniId(4),
      vpcId: VPC,
      subnetId: 'subnet-0123',
      description: 'eni 4',
      interfaceType: 'interface',
      attachment: { instanceId: 'i-4', deviceIndex: 0, status: 'attached' },
      groups: [sg(2)],
      privateIpAddresses: ['10.0.0.4', '10.0.1.4'],
      ipv6Addresses: ['2600::4'],
      tags: { Name: 'eni-4' },
    });
    expect(inv.networkInterfaces[1]).toMatchObject({ requesterId: 'amazon-rds', requesterManaged: true });

    const filters = [{ Name: 'vpc-id', Values: [VPC] }];
    expect(seen.sg).toEqual([undefined, 'sg-2', 'sg-3'].map((token) => ({ token, filters, max: 1000, list: undefined })));
    expect(seen.eni).toEqual([undefined, 'e2', 'e3'].map((token) => ({ token, filters, max: 1000, list: undefined })));
    expect(seen.pl).toEqual([undefined, 'p2', 'p3'].map((token) => ({ token, filters: undefined, max: 100, list: 'pl-0123456789abcdef0' })));
  });

  it('a failure on page two fails the whole read, naming the call and the AWS error code (no partial inventory)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(sgPage([1]));
    ec2.on(DescribeNetworkInterfacesCommand).resolvesOnce(eniPage([4], 'e2')).rejectsOnce(awsError('UnauthorizedOperation', 'You are not authorized to perform this operation.'));
    const read = readInventoryFromEc2({ vpcId: VPC, client: client() });
    await expect(read).rejects.toBeInstanceOf(Ec2ReadError);
    await expect(read).rejects.toMatchObject({ call: 'DescribeNetworkInterfaces', code: 'UnauthorizedOperation' });
    await expect(read).rejects.toThrow(/DescribeNetworkInterfaces failed: UnauthorizedOperation: page 2/);
  });

  it('a failure on a prefix list page fails the read too', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(sgPage([1]));
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniPage([]));
    ec2.on(GetManagedPrefixListEntriesCommand).resolvesOnce(plPage(['52.0.0.0/8'], 'p2')).rejectsOnce(awsError('InternalError', 'boom'));
    await expect(readInventoryFromEc2({ vpcId: VPC, client: client() })).rejects.toMatchObject({ call: 'GetManagedPrefixListEntries', code: 'InternalError' });
  });

  it('a prefix list that no longer exists is left out (the translation reports it and writes no rule)', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves(sgPage([1]));
    ec2.on(DescribeNetworkInterfacesCommand).resolves(eniPage([]));
    ec2.on(GetManagedPrefixListEntriesCommand).rejects(awsError('InvalidPrefixListID.NotFound', 'The prefix list ID does not exist'));
    const inv = await readInventoryFromEc2({ vpcId: VPC, client: client() });
    expect(inv.prefixLists).toEqual([]);
  });

  it('an empty VPC (only its default group, no interfaces) reads as such', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: sg(9), GroupName: 'default', VpcId: VPC, IpPermissions: [], IpPermissionsEgress: [] }] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    expect(await readInventoryFromEc2({ vpcId: VPC, client: client() })).toEqual({
      vpcId: VPC,
      securityGroups: [{ groupId: sg(9), groupName: 'default', vpcId: VPC, inbound: [], outbound: [] }],
      networkInterfaces: [],
      prefixLists: [],
    });
    expect(ec2.commandCalls(GetManagedPrefixListEntriesCommand)).toHaveLength(0);
  });

  it('an unknown VPC id (EC2 answers with empty lists) is an error, never an empty inventory', async () => {
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const read = readInventoryFromEc2({ vpcId: 'vpc-0000000000000dead', client: client() });
    await expect(read).rejects.toMatchObject({ call: 'DescribeSecurityGroups', code: 'NoSecurityGroups' });
    await expect(read).rejects.toThrow(/VPC vpc-0000000000000dead has no security groups; is the id right/);
  });
});

