// Reads a VPC's security groups, network interfaces and the prefix lists their rules reference
// from EC2 (SPEC §4): all pages through the SDK paginators, adaptive retries, and all or nothing —
// a failure on any page fails the whole read, so no partial inventory ever reaches the syncer.
// readSecurityGroupsFromEc2 re-reads only some groups, for the AWS change events.
import {
  EC2Client,
  type EC2ClientConfig,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateGetManagedPrefixListEntries,
  type IpPermission as Ec2Permission,
  type NetworkInterface as Ec2NetworkInterface,
  type SecurityGroup as Ec2SecurityGroup,
} from '@aws-sdk/client-ec2';
import type { Inventory, IpPermission, NetworkInterface, PrefixList, SecurityGroup } from '../core/inventory.js';
import type { AwsChange } from '../core/aws-change.js';
import { referencedPrefixLists, withSecurityGroups, type SecurityGroupRead } from '../core/inventory-patch.js';

export { referencedPrefixLists };

export type Ec2Call = 'DescribeSecurityGroups' | 'DescribeNetworkInterfaces' | 'GetManagedPrefixListEntries';

/** A failed EC2 read: `call` is the API action (the syncer counts read errors by it), `code` the AWS error code. */
export class Ec2ReadError extends Error {
  constructor(
    readonly call: Ec2Call,
    readonly code: string,
    detail: string,
  ) {
    super(`EC2 ${call} failed: ${code}: ${detail}`);
    this.name = 'Ec2ReadError';
  }
}

/** Adaptive retries (client-side rate limiting when EC2 throttles); region, endpoint and credentials from the SDK's standard chain. */
export const EC2_RETRY = { retryMode: 'adaptive', maxAttempts: 8 } as const;

/** `extra` is for tests and special setups; normally everything comes from the environment. */
export function createEc2Client(extra: EC2ClientConfig = {}): EC2Client {
  return new EC2Client({ ...EC2_RETRY, ...extra });
}

const PAGE_SIZE = 1000;
const PREFIX_LIST_PAGE_SIZE = 100;
const PREFIX_LIST_NOT_FOUND = /^InvalidPrefixListI[dD]\.NotFound$/;

function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string };
  return e?.Code ?? e?.name ?? e?.code ?? 'Unknown';
}

async function collect<T, P>(call: Ec2Call, pages: AsyncIterable<P>, items: (page: P) => T[] | undefined): Promise<T[]> {
  const out: T[] = [];
  let page = 0;
  try {
    for await (const p of pages) {
      page++;
      out.push(...(items(p) ?? []));
    }
  } catch (err) {
    throw new Ec2ReadError(call, errorCode(err), `page ${page + 1}: ${(err as Error)?.message ?? String(err)}`);
  }
  return out;
}

function toPermission(p: Ec2Permission): IpPermission {
  const out: IpPermission = { ipProtocol: p.IpProtocol ?? '-1' };
  if (p.FromPort !== undefined) out.fromPort = p.FromPort;
  if (p.ToPort !== undefined) out.toPort = p.ToPort;
  const withDesc = <T extends object>(base: T, d?: string) => (d ? { ...base, description: d } : base);
  if (p.IpRanges?.length) out.ipRanges = p.IpRanges.filter((r) => r.CidrIp).map((r) => withDesc({ cidrIp: r.CidrIp! }, r.Description));
  if (p.Ipv6Ranges?.length) out.ipv6Ranges = p.Ipv6Ranges.filter((r) => r.CidrIpv6).map((r) => withDesc({ cidrIpv6: r.CidrIpv6! }, r.Description));
  if (p.PrefixListIds?.length) out.prefixListIds = p.PrefixListIds.filter((r) => r.PrefixListId).map((r) => withDesc({ prefixListId: r.PrefixListId! }, r.Description));
  if (p.UserIdGroupPairs?.length) {
    out.userIdGroupPairs = p.UserIdGroupPairs.filter((g) => g.GroupId).map((g) =>
      withDesc({ groupId: g.GroupId!, ...(g.UserId ? { userId: g.UserId } : {}), ...(g.VpcId ? { vpcId: g.VpcId } : {}) }, g.Description),
    );
  }
  return out;
}

function toGroup(g: Ec2SecurityGroup, vpcId: string): SecurityGroup {
  return {
    groupId: g.GroupId ?? '',
    groupName: g.GroupName ?? '',
    ...(g.Description ? { description: g.Description } : {}),
    vpcId: g.VpcId ?? vpcId,
    ...(g.OwnerId ? { ownerId: g.OwnerId } : {}),
    inbound: (g.IpPermissions ?? []).map(toPermission),
    outbound: (g.IpPermissionsEgress ?? []).map(toPermission),
  };
}

function toInterface(e: Ec2NetworkInterface, vpcId: string): NetworkInterface {
  const a = e.Attachment;
  const tags = Object.fromEntries((e.TagSet ?? []).filter((t) => t.Key).map((t) => [t.Key!, t.Value ?? '']));
  const ipv4 = (e.PrivateIpAddresses ?? []).map((p) => p.PrivateIpAddress).filter((x): x is string => Boolean(x));
  if (ipv4.length === 0 && e.PrivateIpAddress) ipv4.push(e.PrivateIpAddress);
  return {
    networkInterfaceId: e.NetworkInterfaceId ?? '',
    vpcId: e.VpcId ?? vpcId,
    ...(e.SubnetId ? { subnetId: e.SubnetId } : {}),
    ...(e.Description ? { description: e.Description } : {}),
    ...(e.InterfaceType ? { interfaceType: e.InterfaceType } : {}),
    ...(e.RequesterId ? { requesterId: e.RequesterId } : {}),
    ...(e.RequesterManaged !== undefined ? { requesterManaged: e.RequesterManaged } : {}),
    ...(a
      ? {
          attachment: {
            ...(a.InstanceId ? { instanceId: a.InstanceId } : {}),
            ...(a.InstanceOwnerId ? { instanceOwnerId: a.InstanceOwnerId } : {}),
            ...(a.DeviceIndex !== undefined ? { deviceIndex: a.DeviceIndex } : {}),
            ...(a.Status ? { status: a.Status } : {}),
          },
        }
      : {}),
    groups: (e.Groups ?? []).map((g) => g.GroupId).filter((x): x is string => Boolean(x)),
    privateIpAddresses: ipv4,
    ipv6Addresses: (e.Ipv6Addresses ?? []).map((p) => p.Ipv6Address).filter((x): x is string => Boolean(x)),
    ...(Object.keys(tags).length ? { tags } : {}),
  };
}

const byId = <T>(key: (x: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);

/** The entries of each list; a list that no longer exists is left out (the translation reports it and writes no rule for it: fail closed). */
async function readPrefixLists(client: EC2Client, ids: readonly string[]): Promise<PrefixList[]> {
  const prefixLists: PrefixList[] = [];
  for (const id of ids) {
    let entries;
    try {
      entries = await collect(
        'GetManagedPrefixListEntries',
        paginateGetManagedPrefixListEntries({ client, pageSize: PREFIX_LIST_PAGE_SIZE }, { PrefixListId: id }),
        (p) => p.Entries,
      );
    } catch (err) {
      if (err instanceof Ec2ReadError && PREFIX_LIST_NOT_FOUND.test(err.code)) continue;
      throw err;
    }
    prefixLists.push({ prefixListId: id, cidrs: entries.map((e) => e.Cidr).filter((x): x is string => Boolean(x)) });
  }
  return prefixLists;
}

/**
 * Reads the VPC. EC2 answers an unknown VPC id with empty lists rather than an error, and every
 * real VPC has at least its default security group, so no groups at all means a wrong id: that is
 * an error (code NoSecurityGroups), never an empty inventory that would make the syncer delete
 * everything.
 */
export async function readInventoryFromEc2(opts: { vpcId: string; client?: EC2Client }): Promise<Inventory> {
  const client = opts.client ?? createEc2Client();
  // A fresh input per paginator: paginators write NextToken into the input they are given.
  const filter = () => ({ Filters: [{ Name: 'vpc-id', Values: [opts.vpcId] }] });
  const [rawGroups, rawInterfaces] = await Promise.all([
    collect('DescribeSecurityGroups', paginateDescribeSecurityGroups({ client, pageSize: PAGE_SIZE }, filter()), (p) => p.SecurityGroups),
    collect('DescribeNetworkInterfaces', paginateDescribeNetworkInterfaces({ client, pageSize: PAGE_SIZE }, filter()), (p) => p.NetworkInterfaces),
  ]);
  if (rawGroups.length === 0) {
    throw new Ec2ReadError('DescribeSecurityGroups', 'NoSecurityGroups', `VPC ${opts.vpcId} has no security groups; is the id right (and the region, AWS_REGION)?`);
  }
  const securityGroups = rawGroups.map((g) => toGroup(g, opts.vpcId)).sort(byId((g) => g.groupId));
  const networkInterfaces = rawInterfaces.map((e) => toInterface(e, opts.vpcId)).sort(byId((e) => e.networkInterfaceId));
  const prefixLists = await readPrefixLists(client, referencedPrefixLists(securityGroups));
  return { vpcId: opts.vpcId, securityGroups, networkInterfaces, prefixLists };
}

/** Ids per DescribeSecurityGroups call: a short request, whatever an event batch names. */
const GROUP_ID_BATCH = 100;
const GROUP_NOT_FOUND = 'InvalidGroup.NotFound';

/**
 * The requested groups as they are now, and which of them are gone. EC2 answers GroupIds with an
 * unknown id by failing the whole call with InvalidGroup.NotFound, naming the id ("The security
 * group 'sg-…' does not exist"): that id is gone and the rest are asked again. An error naming
 * none of them splits the batch until each unknown id is asked alone, so every id reported gone
 * was refused by EC2 on its own account. Any other failure fails the read, as in the full read.
 */
async function describeGroups(client: EC2Client, ids: readonly string[]): Promise<{ found: Ec2SecurityGroup[]; gone: string[] }> {
  const found: Ec2SecurityGroup[] = [];
  const gone: string[] = [];
  const batches: string[][] = [];
  for (let i = 0; i < ids.length; i += GROUP_ID_BATCH) batches.push(ids.slice(i, i + GROUP_ID_BATCH));
  // Each turn either completes a batch or takes an id out of it or halves it, so the loop ends.
  for (let batch = batches.shift(); batch; batch = batches.shift()) {
    try {
      // No MaxResults: EC2 pages explicit id lists on its own; the paginator follows any NextToken.
      found.push(...(await collect('DescribeSecurityGroups', paginateDescribeSecurityGroups({ client }, { GroupIds: batch }), (p) => p.SecurityGroups)));
    } catch (err) {
      if (!(err instanceof Ec2ReadError && err.code === GROUP_NOT_FOUND)) throw err;
      const mentioned = new Set(err.message.match(/\bsg-[0-9a-f]+\b/g));
      const named = batch.filter((id) => mentioned.has(id));
      if (named.length === 0 && batch.length === 1) gone.push(batch[0]!);
      else if (named.length === 0) batches.unshift(batch.slice(0, batch.length >> 1), batch.slice(batch.length >> 1));
      else {
        gone.push(...named);
        const rest = batch.filter((id) => !named.includes(id));
        if (rest.length) batches.unshift(rest);
      }
    }
  }
  return { found, gone };
}

/**
 * Re-reads the given groups of the VPC (DescribeSecurityGroups by GroupIds) and the prefix lists
 * they reference, with the same retries as the full read. A group EC2 does not know, or one in
 * another VPC, is reported in goneIds; withSecurityGroups() (core) merges the result into an
 * inventory.
 */
export async function readSecurityGroupsFromEc2(opts: { vpcId: string; groupIds: readonly string[]; client?: EC2Client }): Promise<SecurityGroupRead> {
  const ids = [...new Set(opts.groupIds)].sort();
  if (ids.length === 0) return { securityGroups: [], goneIds: [], prefixLists: [] };
  const client = opts.client ?? createEc2Client();
  const { found, gone } = await describeGroups(client, ids);
  const requested = new Set(ids);
  const inVpc = new Map<string, SecurityGroup>();
  for (const raw of found) {
    const g = toGroup(raw, opts.vpcId);
    if (requested.has(g.groupId) && g.vpcId === opts.vpcId) inVpc.set(g.groupId, g);
  }
  const securityGroups = [...inVpc.values()].sort(byId((g) => g.groupId));
  const goneIds = ids.filter((id) => !inVpc.has(id) && (gone.includes(id) || found.some((g) => g.GroupId === id)));
  const prefixLists = await readPrefixLists(client, referencedPrefixLists(securityGroups));
  return { securityGroups, goneIds, prefixLists };
}

/**
 * The inventory after an AWS change event: the named groups re-read and merged into `current`
 * (withSecurityGroups), or a full read when the change asks for one or there is no current
 * inventory of this VPC to merge into. Fails, like every read, rather than return a partial view.
 */
export async function readInventoryAfterChange(opts: { vpcId: string; change: AwsChange; current?: Inventory; client?: EC2Client }): Promise<{ inventory: Inventory; read: 'full' | 'groups' }> {
  const { change, current } = opts;
  if (change.full || !current || current.vpcId !== opts.vpcId) return { inventory: await readInventoryFromEc2(opts), read: 'full' };
  const read = await readSecurityGroupsFromEc2({ ...opts, groupIds: change.securityGroupIds });
  return { inventory: withSecurityGroups(current, read, change.securityGroupIds), read: 'groups' };
}
