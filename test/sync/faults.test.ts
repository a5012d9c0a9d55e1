// Faults: EC2 failing on its second page, and the apiserver answering 429, 500 and 409. A round
// with a failed read writes nothing (above all, deletes nothing); writes are retried; a failed
// apply means no deletions that round; the next good round converges.
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, EC2Client, type NetworkInterface, type SecurityGroup } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readInventoryFromEc2 } from '../../src/aws/ec2-reader.js';
import type { Inventory } from '../../src/core/inventory.js';
import { roundRunner } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { calicoObjects, clusterDouble, CRD, depsFor, syncWrites, tutorialInventory } from './fixtures.js';

const ec2 = mockClient(EC2Client);
const client = () => new EC2Client({ region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

/** The tutorial inventory as EC2 would answer it. */
function asEc2(inv: Inventory): { groups: SecurityGroup[]; enis: NetworkInterface[] } {
  const perm = (p: Inventory['securityGroups'][number]['inbound'][number]) => ({
    IpProtocol: p.ipProtocol,
    ...(p.fromPort !== undefined ? { FromPort: p.fromPort } : {}),
    ...(p.toPort !== undefined ? { ToPort: p.toPort } : {}),
    IpRanges: (p.ipRanges ?? []).map((r) => ({ CidrIp: r.cidrIp })),
    Ipv6Ranges: (p.ipv6Ranges ?? []).map((r) => ({ CidrIpv6: r.cidrIpv6 })),
    UserIdGroupPairs: (p.userIdGroupPairs ?? []).map((g) => ({ GroupId: g.groupId, ...(g.vpcId ? { VpcId: g.vpcId } : {}), ...(g.userId ? { UserId: g.userId } : {}) })),
  });
  return {
    groups: inv.securityGroups.map((g) => ({ GroupId: g.groupId, GroupName: g.groupName, VpcId: g.vpcId, IpPermissions: g.inbound.map(perm), IpPermissionsEgress: g.outbound.map(perm) })),
    enis: inv.networkInterfaces.map((e) => ({
      NetworkInterfaceId: e.networkInterfaceId,
      VpcId: e.vpcId,
      ...(e.description ? { Description: e.description } : {}),
      ...(e.interfaceType ? { InterfaceType: e.interfaceType as NetworkInterface['InterfaceType'] } : {}),
      ...(e.requesterId ? { RequesterId: e.requesterId } : {}),
      ...(e.requesterManaged !== undefined ? { RequesterManaged: e.requesterManaged } : {}),
      ...(e.attachment ? { Attachment: { InstanceId: e.attachment.instanceId, DeviceIndex: e.attachment.deviceIndex, Status: 'attached' as const } } : {}),
      Groups: e.groups.map((GroupId) => ({ GroupId })),
      PrivateIpAddresses: e.privateIpAddresses.map((PrivateIpAddress) => ({ PrivateIpAddress })),
      Ipv6Addresses: e.ipv6Addresses.map((Ipv6Address) => ({ Ipv6Address })),
    })),
  };
}

async function metric(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, val]) => (x.labels as Record<string, unknown>)[k] === val));
  return Number(v?.value ?? 0);
}

let api: ApiServerDouble;
beforeEach(async () => {
  ec2.reset();
  api = await clusterDouble();
});
afterEach(async () => {
  await api.close();
});

describe('EC2 fails on page two', () => {
  it('changes nothing while EC2 fails, then converges', async () => {
    const inv = await tutorialInventory();
    const { groups, enis } = asEc2(inv);
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: enis });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    const deps = depsFor(api, { readInventory: () => readInventoryFromEc2({ vpcId: inv.vpcId, client: client() }) });
    const run = roundRunner(deps);
    const first = await run();
    expect(first.result).toBe('success');
    const converged = calicoObjects(api);
    api.clearRequests();

    // page one alone would make the syncer delete most of what it wrote
    ec2.reset();
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: enis });
    ec2.on(DescribeSecurityGroupsCommand)
      .resolvesOnce({ SecurityGroups: groups.slice(0, 2), NextToken: 'page-2' })
      .rejects(Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 } }));
    const failed = await run();
    expect(failed.result).toBe('failed');
    expect(failed.problems.join('\n')).toMatch(/DescribeSecurityGroups/);
    expect(syncWrites(api)).toEqual([]);
    expect([...calicoObjects(api).keys()]).toEqual([...converged.keys()]);
    expect(await metric(deps.registry!, 'sgbridge_sync_read_errors_total', { call: 'DescribeSecurityGroups' })).toBe(1);
    expect(await metric(deps.registry!, 'sgbridge_sync_rounds_total', { result: 'failed' })).toBe(1);

    ec2.reset();
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: enis });
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: groups.slice(0, 2), NextToken: 'page-2' }).resolves({ SecurityGroups: groups.slice(2) });
    const good = await run();
    expect(good).toMatchObject({ result: 'success', applied: 0, deleted: 0 });
    expect(syncWrites(api)).toEqual([]);
  });

  it('reports EC2 throttling so the loop can stretch its interval', async () => {
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    ec2.on(DescribeSecurityGroupsCommand).rejects(Object.assign(new Error('Request limit exceeded.'), { name: 'RequestLimitExceeded', $fault: 'client', $metadata: { httpStatusCode: 503 } }));
    const r = await roundRunner(depsFor(api, { readInventory: () => readInventoryFromEc2({ vpcId: 'vpc-0a1b2c3d4e5f60718', client: client() }) }))();
    expect(r).toMatchObject({ result: 'failed', throttled: true, applied: 0 });
  });
});

describe('apiserver faults', () => {
  it('retries a list answered 429 and a write answered 500 or 409', async () => {
    api.failNext({ method: 'GET', path: '/apis/crd.projectcalico.org/v1/globalnetworkpolicies', status: 429, count: 2 });
    api.failNext({ method: 'PATCH', path: '/apis/crd.projectcalico.org/v1/tiers/', status: 500, count: 1 });
    api.failNext({ method: 'PATCH', path: '/apis/crd.projectcalico.org/v1/hostendpoints/', status: 409, count: 1 });
    const r = await roundRunner(depsFor(api))();
    expect(r.result).toBe('success');
    const statuses = api.requests.filter((q) => q.status === 429 || q.status === 500 || q.status === 409).map((q) => q.status).sort();
    expect(statuses).toEqual([409, 429, 429, 500]);
    expect(calicoObjects(api).size).toBe(r.desired);
  });

  it('deletes nothing in a round whose applies fail, and converges in the next one', async () => {
    const run = roundRunner(depsFor(api));
    await run();
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: 'stale', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { nets: ['10.9.9.9/32'] } });
    api.remove(CRD, 'Tier', 'sg-local');
    api.clearRequests();
    api.failNext({ method: 'PATCH', path: '/apis/crd.projectcalico.org/v1/tiers/', status: 500, count: 100 });
    const bad = await run();
    expect(bad.result).toBe('failed');
    expect(api.writes().filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeDefined();
    api.clearFaults();
    const good = await run();
    expect(good).toMatchObject({ result: 'success', applied: 1, deleted: 1 });
    expect(api.get(CRD, 'Tier', 'sg-local')).toBeDefined();
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeUndefined();
  });

  it('leaves a deletion answered 409 (changed since read) for the next round', async () => {
    const run = roundRunner(depsFor(api));
    await run();
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: 'stale', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { nets: ['10.9.9.9/32'] } });
    api.failNext({ method: 'DELETE', status: 409 });
    const first = await run();
    expect(first.deleted).toBe(0);
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeDefined();
    const second = await run();
    expect(second.deleted).toBe(1);
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeUndefined();
  });

  it('does not delete an object that changed after it was read (resourceVersion precondition)', async () => {
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: 'stale', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { nets: ['10.9.9.9/32'] } });
    // someone edits it between the list and the delete: the DELETE's precondition fails
    const { CalicoStore } = await import('../../src/kube/calico-store.js');
    const store = new CalicoStore(api.kubeConfig(), 'crd');
    const [listed] = (await store.listManaged('GlobalNetworkSet')).filter((o) => o.metadata.name === 'stale');
    api.patch({ apiVersion: CRD, kind: 'GlobalNetworkSet', name: 'stale' }, [{ op: 'replace', path: '/spec/nets', value: ['10.9.9.10/32'] }], 'someone');
    await expect(store.delete(listed!)).rejects.toMatchObject({ code: 409 });
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeDefined();
  });
});
