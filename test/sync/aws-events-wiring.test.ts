// The AWS change events wired into the running syncer, at the real edges: the SQS client against
// the in-process SQS double, the EC2 client against the EC2 Query-API double, the cluster in the
// apiserver double. A message naming one group makes a round that re-reads only that group and
// writes only its policy; only the Lease holder consumes; a malformed message changes nothing;
// without a queue URL no consumer runs and the resync interval stays as set.
import { readFileSync } from 'node:fs';
import type { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createSqsClient } from '../../src/aws/aws-events.js';
import { createEc2Client } from '../../src/aws/ec2-reader.js';
import { startSyncer, type Syncer, type SyncerDeps } from '../../src/sync/syncer.js';
import { startEc2QueryDouble, type Ec2QueryDouble } from '../aws/ec2-query-double.js';
import { startSqsJsonDouble, type SqsJsonDouble } from '../aws/sqs-json-double.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { AWS_EVENT_SAMPLES } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { clusterDouble, depsFor, settingsWith, syncWrites } from './fixtures.js';

const VPC = 'vpc-0123456789abcdef0';
const sg = (n: number) => `sg-${n.toString(16).padStart(17, '0')}`;
const FAST = { leader: { leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 }, intervalMs: 60_000, debounceMs: 50, relabelDelayMs: 20, watch: { restartDelayMs: 50 } };
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

let ec2: Ec2QueryDouble;
let sqs: SqsJsonDouble;
let api: ApiServerDouble;
let syncer: Syncer | undefined;
beforeAll(async () => {
  ec2 = await startEc2QueryDouble({ vpcId: VPC, groups: 6, pageSize: 4 });
});
afterAll(() => ec2.close());
beforeEach(async () => {
  ec2.reset();
  sqs = await startSqsJsonDouble();
  api = await clusterDouble();
});
afterEach(async () => {
  await syncer?.stop();
  syncer = undefined;
  await api.close();
  await sqs.close();
});

/** The syncer reading EC2 (the double) by default, consuming the SQS double when `queue` is set. */
function depsWith(over: { queue: boolean; defaultInterval?: boolean } & Partial<SyncerDeps>): SyncerDeps {
  const { queue, defaultInterval, ...rest } = over;
  const deps = depsFor(api, {
    ...FAST,
    settings: settingsWith({ aws: true, vpcId: VPC, ...(queue ? { awsEventsQueueUrl: sqs.queueUrl } : {}) }),
    ec2Client: createEc2Client({ endpoint: ec2.endpoint, region: 'us-east-1', credentials }),
    sqsClient: createSqsClient(sqs.queueUrl, { endpoint: sqs.endpoint, region: 'eu-west-1', credentials }),
    ...rest,
  });
  delete deps.readInventory; // the default readers: EC2 through the client above
  if (defaultInterval) delete deps.intervalMs;
  return deps;
}

async function started(deps: SyncerDeps): Promise<Registry> {
  syncer = startSyncer(deps);
  const first = await syncer.nextRound();
  expect(first).toMatchObject({ result: 'success', inventoryRead: 'full' });
  return deps.registry!;
}

/** The recorded AuthorizeSecurityGroupIngress event, naming `groupId`, made at `time`. */
function authorizeEvent(groupId: string, time: Date): string {
  const event = JSON.parse(readFileSync(`${AWS_EVENT_SAMPLES}/authorize-security-group-ingress.json`, 'utf8')) as { time: string; detail: { eventTime: string; requestParameters: { groupId: string } } };
  event.time = event.detail.eventTime = time.toISOString();
  event.detail.requestParameters.groupId = groupId;
  return JSON.stringify(event);
}

async function metricValues(registry: Registry, name: string): Promise<{ labels: Record<string, unknown>; value: number; metricName?: string }[]> {
  return ((await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values ?? []) as never;
}
const rounds = async (registry: Registry) => (await metricValues(registry, 'sgbridge_sync_rounds_total')).reduce((n, v) => n + v.value, 0);
const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));
const ec2Calls = () => ec2.requests.map((r) => r.action);

describe('AWS change events in the running syncer', () => {
  it('a message naming one group: the round re-reads only that group and writes only its policy', async () => {
    const registry = await started(depsWith({ queue: true }));
    await until(() => sqs.openPolls === 1, { what: 'the leader long-polling the queue' });
    ec2.requests.length = 0;
    api.clearRequests();
    ec2.changeGroup(3, { port: 8443 });

    const round = syncer!.nextRound();
    sqs.send(authorizeEvent(sg(3), new Date(Date.now() - 2_000)));
    const r = await round;

    expect(r).toMatchObject({ result: 'success', inventoryRead: 'groups', deleted: 0 });
    expect(r.applied).toBeGreaterThan(0);
    // one DescribeSecurityGroups by id (and the prefix list it references), no full read
    expect(ec2Calls().filter((a) => a !== 'GetManagedPrefixListEntries')).toEqual(['DescribeSecurityGroups']);
    expect(Object.entries(ec2.requests[0]!.params).filter(([k]) => k.startsWith('GroupId.'))).toEqual([['GroupId.1', sg(3)]]);
    const writes = syncWrites(api);
    expect(writes.length).toBeGreaterThan(0);
    expect(writes.every((w) => w.includes(sg(3)))).toBe(true);
    const policy = api.get('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', `sg-local.${sg(3)}`) as { spec: unknown };
    expect(JSON.stringify(policy.spec)).toContain('8443');
    await until(() => sqs.visible === 0 && sqs.inFlight === 0, { what: 'the message deleted' });

    // propagation measured from the EC2 call's eventTime (2 s before it was sent)
    const count = (await metricValues(registry, 'sgbridge_sync_propagation_seconds')).find((v) => v.metricName === 'sgbridge_sync_propagation_seconds_count' && v.labels.trigger === 'aws');
    const sum = (await metricValues(registry, 'sgbridge_sync_propagation_seconds')).find((v) => v.metricName === 'sgbridge_sync_propagation_seconds_sum' && v.labels.trigger === 'aws');
    expect(count?.value).toBe(1);
    expect(sum!.value).toBeGreaterThanOrEqual(2);
    expect(await metricValues(registry, 'sgbridge_aws_events_changes_total')).toEqual([{ labels: { scope: 'groups' }, value: 1 }]);

    // stopping the syncer ends the long poll
    await syncer!.stop();
    syncer = undefined;
    await until(() => sqs.openPolls === 0, { what: 'the long poll closed' });
  });

  it('the consumer stops when the lease is lost and starts again when it is won back', async () => {
    await started(depsWith({ queue: true }));
    await until(() => sqs.openPolls === 1, { what: 'the leader long-polling the queue' });
    api.failNext({ path: '/apis/coordination.k8s.io/', status: 500, count: 1_000 });
    await until(() => !syncer!.elector.isLeader(), { timeoutMs: 3_000, what: 'leadership lost' });
    await until(() => sqs.openPolls === 0, { what: 'the long poll closed' });
    const receives = sqs.requests.filter((r) => r === 'ReceiveMessage').length;
    await quiet(200);
    expect(sqs.requests.filter((r) => r === 'ReceiveMessage').length).toBe(receives);
    api.clearFaults();
    await until(() => sqs.openPolls === 1, { timeoutMs: 5_000, what: 'the new leader long-polling again' });
  });

  it('a malformed message is deleted and changes nothing', async () => {
    const registry = await started(depsWith({ queue: true }));
    await until(() => sqs.openPolls === 1, { what: 'the leader long-polling the queue' });
    ec2.requests.length = 0;
    api.clearRequests();
    const before = await rounds(registry);

    sqs.send('{"source": "aws.ec2", "detail-type": ');
    sqs.send(JSON.stringify({ source: 'aws.ec2', 'detail-type': 'AWS API Call via CloudTrail', detail: { eventName: 'AuthorizeSecurityGroupIngress', errorCode: 'Client.InvalidPermission.Duplicate' } }));
    await until(() => sqs.visible === 0 && sqs.inFlight === 0 && sqs.requests.includes('DeleteMessageBatch'), { what: 'the messages deleted' });
    await quiet(300);

    expect(await rounds(registry)).toBe(before);
    expect(ec2Calls()).toEqual([]);
    expect(syncWrites(api)).toEqual([]);
    expect((await metricValues(registry, 'sgbridge_aws_events_ignored_total')).map((v) => [v.labels.reason, v.value]).sort()).toEqual([
      ['failed-call', 1],
      ['not-json', 1],
    ]);
  });

  it('without a queue URL no consumer runs, and the resync interval is the setting', async () => {
    await started(depsWith({ queue: false, defaultInterval: true }));
    await quiet(300);
    expect(sqs.requests).toEqual([]);
    expect(syncer!.queue.intervalMs).toBe(settingsWith().resyncInterval * 1000);
  });

  it('with a queue URL the resync interval left at its default becomes the events backstop', async () => {
    await started(depsWith({ queue: true, defaultInterval: true }));
    expect(syncer!.queue.intervalMs).toBe(300_000);
  });
});
