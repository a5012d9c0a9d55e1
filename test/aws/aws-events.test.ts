// The SQS consumer against aws-sdk-client-mock: receive → onChange → delete, malformed and
// unrelated messages deleted and counted, failed receives backing off, stop during a long poll.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DeleteMessageBatchCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqsClient, queueRegion, RECEIVE, startAwsEvents, type AwsEvents } from '../../src/aws/aws-events.js';
import { awsEventsMetrics } from '../../src/aws/aws-events-metrics.js';
import type { AwsChange } from '../../src/core/aws-change.js';
import { AWS_EVENT_SAMPLES } from '../support/fixtures.js';
import { until } from '../support/until.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events';
const sqs = mockClient(SQSClient);
const sample = (file: string) => readFileSync(`${AWS_EVENT_SAMPLES}/${file}`, 'utf8');
const client = () => new SQSClient({ region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

let seq = 0;
function message(body: string): Message {
  seq++;
  return { MessageId: `m-${seq}`, ReceiptHandle: `rh-${seq}`, MD5OfBody: createHash('md5').update(body).digest('hex'), Body: body };
}

function logCapture() {
  const lines: Record<string, unknown>[] = [];
  return { log: pino({ level: 'debug' }, { write: (s: string) => lines.push(JSON.parse(s)) }), lines };
}

/** After the scripted batches, receives wait for stop like an idle long poll (the mock ignores abort signals). */
const idle = () => new Promise<never>(() => undefined);

let consumer: AwsEvents | undefined;
beforeEach(() => sqs.reset());
afterEach(async () => {
  await consumer?.stop();
  consumer = undefined;
});

async function metricValues(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  return Object.fromEntries((metric?.values ?? []).map((v) => [Object.values(v.labels).join(',') || '', v.value]));
}

describe('startAwsEvents', () => {
  it('long-polls, hands the batch to onChange as one change, then deletes the whole batch', async () => {
    const batch = [message(sample('authorize-security-group-ingress.json')), message(sample('modify-security-group-rules.json')), message(sample('s3-put-object.json'))];
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: batch }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand).resolves({ Successful: [{ Id: '0' }, { Id: '1' }, { Id: '2' }], Failed: [] });
    const changes: AwsChange[] = [];
    const registry = new Registry();
    const { log, lines } = logCapture();
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log, metrics: awsEventsMetrics(registry), onChange: (c) => void changes.push(c) });

    await until(() => sqs.commandCalls(DeleteMessageBatchCommand).length === 1, { what: 'the delete' });
    expect(changes).toEqual([
      {
        securityGroupIds: ['sg-0a1b2c3d4e5f60718', 'sg-0d15ea5e0d15ea5e0'],
        full: false,
        eventNames: ['AuthorizeSecurityGroupIngress', 'ModifySecurityGroupRules'],
        earliestEventTime: Date.parse('2026-12-01T10:00:01Z'),
        latestEventTime: Date.parse('2026-12-01T10:00:05Z'),
      },
    ]);
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]!.args[0].input).toEqual({ QueueUrl: QUEUE, WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
    expect(RECEIVE).toEqual({ WaitTimeSeconds: 20, MaxNumberOfMessages: 10 });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input).toEqual({
      QueueUrl: QUEUE,
      Entries: batch.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
    });
    expect(await metricValues(registry, 'sgbridge_aws_events_received_total')).toEqual({ '': 3 });
    expect(await metricValues(registry, 'sgbridge_aws_events_ignored_total')).toEqual({ 'other-source': 1 });
    expect(await metricValues(registry, 'sgbridge_aws_events_changes_total')).toEqual({ groups: 1 });
    expect(lines.find((l) => l.msg === 'AWS events: message ignored and deleted')).toMatchObject({ level: 30, reason: 'other-source', messageId: batch[2]!.MessageId });
  });

  it('a batch with an interface event asks for a full read', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(sample('revoke-security-group-egress.json')), message(sample('attach-network-interface.json'))] }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const changes: AwsChange[] = [];
    const registry = new Registry();
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log: logCapture().log, metrics: awsEventsMetrics(registry), onChange: (c) => void changes.push(c) });
    await until(() => sqs.commandCalls(DeleteMessageBatchCommand).length === 1);
    expect(changes).toMatchObject([{ full: true, securityGroupIds: ['sg-0a1b2c3d4e5f60718'], eventNames: ['AttachNetworkInterface', 'RevokeSecurityGroupEgress'] }]);
    expect(await metricValues(registry, 'sgbridge_aws_events_changes_total')).toEqual({ full: 1 });
  });

  it('logs, counts and deletes malformed and unrelated messages without calling onChange, and keeps going', async () => {
    const bad = [message('{not json'), message('{"hello": "world"}'), message(sample('instance-state-change.json')), message(sample('authorize-security-group-ingress-failed.json')), message('x'.repeat(300_000))];
    const good = message(sample('delete-security-group.json'));
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: bad }).resolvesOnce({ Messages: [good] }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const changes: AwsChange[] = [];
    const registry = new Registry();
    const { log, lines } = logCapture();
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log, metrics: awsEventsMetrics(registry), onChange: (c) => void changes.push(c) });

    await until(() => sqs.commandCalls(DeleteMessageBatchCommand).length === 2);
    const deleted = sqs.commandCalls(DeleteMessageBatchCommand).map((c) => c.args[0].input.Entries!.map((e) => e.ReceiptHandle));
    expect(deleted).toEqual([bad.map((m) => m.ReceiptHandle), [good.ReceiptHandle]]);
    expect(changes).toMatchObject([{ securityGroupIds: ['sg-0c0ffee0c0ffee001'], eventNames: ['DeleteSecurityGroup'] }]);
    expect(await metricValues(registry, 'sgbridge_aws_events_ignored_total')).toEqual({ 'not-json': 1, 'not-an-event': 1, 'other-detail-type': 1, 'failed-call': 1, 'too-large': 1 });
    const ignoredLogs = lines.filter((l) => l.msg === 'AWS events: message ignored and deleted');
    expect(ignoredLogs.map((l) => [l.reason, l.level])).toEqual([
      ['not-json', 40],
      ['not-an-event', 40],
      ['other-detail-type', 30],
      ['failed-call', 30],
      ['too-large', 40],
    ]);
    expect(ignoredLogs[1]!.detail).toMatch(/^source: /);
  });

  it('keeps the messages of a change onChange refused on the queue, and deletes the ignored ones', async () => {
    const change = message(sample('create-security-group.json'));
    const noise = message('[]');
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [change, noise] }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    const { log, lines } = logCapture();
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log, onChange: async () => Promise.reject(new Error('queue closed')) });
    await until(() => sqs.commandCalls(DeleteMessageBatchCommand).length === 1);
    expect(sqs.commandCalls(DeleteMessageBatchCommand)[0]!.args[0].input.Entries).toEqual([{ Id: '0', ReceiptHandle: noise.ReceiptHandle }]);
    expect(lines.find((l) => l.level === 50)).toMatchObject({ msg: expect.stringContaining('stay on the queue'), err: { message: 'queue closed' } });
  });

  it('counts and logs a failed delete, and goes on receiving', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(sample('run-instances.json'))] }).resolvesOnce({ Messages: [message(sample('terminate-instances.json'))] }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand)
      .resolvesOnce({ Successful: [], Failed: [{ Id: '0', Code: 'ReceiptHandleIsInvalid', Message: 'expired', SenderFault: true }] })
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'RequestThrottled' }));
    const registry = new Registry();
    const { log, lines } = logCapture();
    const changes: AwsChange[] = [];
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log, metrics: awsEventsMetrics(registry), onChange: (c) => void changes.push(c) });
    await until(() => sqs.commandCalls(DeleteMessageBatchCommand).length === 2 && lines.filter((l) => l.level === 40).length === 2);
    expect(changes.map((c) => c.eventNames)).toEqual([['RunInstances'], ['TerminateInstances']]);
    expect(await metricValues(registry, 'sgbridge_aws_events_errors_total')).toEqual({ DeleteMessageBatch: 2 });
    expect(lines.filter((l) => l.level === 40)[0]).toMatchObject({ failed: [{ id: '0', code: 'ReceiptHandleIsInvalid', message: 'expired' }] });
  });

  it('backs off after failed receives, doubling up to the cap, and starts again from the bottom after a good one', async () => {
    const fail = (name: string) => Object.assign(new Error(`${name}!`), { name, $metadata: { httpStatusCode: 403 } });
    sqs
      .on(ReceiveMessageCommand)
      .rejectsOnce(fail('AccessDenied'))
      .rejectsOnce(fail('AccessDenied'))
      .rejectsOnce(fail('AccessDenied'))
      .rejectsOnce(fail('AccessDenied'))
      .resolvesOnce({})
      .rejectsOnce(fail('QueueDoesNotExist'))
      .callsFake(idle);
    const registry = new Registry();
    const { log, lines } = logCapture();
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log, metrics: awsEventsMetrics(registry), backoff: { initialMs: 1, maxMs: 4 }, onChange: () => undefined });
    await until(() => sqs.commandCalls(ReceiveMessageCommand).length === 7, { what: 'seven receives' });
    const failures = lines.filter((l) => l.msg === 'AWS events: receiving from the queue failed');
    expect(failures.map((l) => l.retryInMs)).toEqual([1, 2, 4, 4, 1]);
    expect(failures.map((l) => (l.err as { name: string }).name)).toEqual(['AccessDenied', 'AccessDenied', 'AccessDenied', 'AccessDenied', 'QueueDoesNotExist']);
    expect(failures[0]).toMatchObject({ level: 40, queueUrl: QUEUE });
    expect(await metricValues(registry, 'sgbridge_aws_events_errors_total')).toEqual({ ReceiveMessage: 5 });
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(0);
  });

  it('stop() during a long poll returns without waiting for the poll, and receives no more', async () => {
    let polls = 0;
    sqs.on(ReceiveMessageCommand).callsFake(() => {
      polls++;
      return idle();
    });
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log: logCapture().log, onChange: () => undefined });
    await until(() => polls === 1);
    await consumer.stop();
    consumer = undefined;
    expect(polls).toBe(1);
  });

  it('stop() during a backoff wait ends the wait', async () => {
    sqs.on(ReceiveMessageCommand).rejects(new Error('down'));
    consumer = startAwsEvents({ queueUrl: QUEUE, client: client(), log: logCapture().log, backoff: { initialMs: 3_600_000, maxMs: 3_600_000 }, onChange: () => undefined });
    await until(() => sqs.commandCalls(ReceiveMessageCommand).length === 1);
    await consumer.stop();
    consumer = undefined;
    expect(sqs.commandCalls(ReceiveMessageCommand)).toHaveLength(1);
  });

  it('stop() waits for the batch in hand to be handed over and deleted', async () => {
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: [message(sample('delete-network-interface.json'))] }).callsFake(idle);
    sqs.on(DeleteMessageBatchCommand).resolves({});
    let release!: () => void;
    const handed = new Promise<void>((r) => (release = r));
    let entered = false;
    consumer = startAwsEvents({
      queueUrl: QUEUE,
      client: client(),
      log: logCapture().log,
      onChange: async () => {
        entered = true;
        await handed;
      },
    });
    await until(() => entered);
    const stopped = consumer.stop();
    consumer = undefined;
    release();
    await stopped;
    expect(sqs.commandCalls(DeleteMessageBatchCommand)).toHaveLength(1);
  });
});

describe('the SQS client', () => {
  it.each([
    [QUEUE, 'eu-west-1'],
    ['https://sqs.cn-north-1.amazonaws.com.cn/123456789012/q', 'cn-north-1'],
    ['https://vpce-0a1b2c3d4e5f60718-abcdefgh.sqs.us-east-2.vpce.amazonaws.com/123456789012/q', 'us-east-2'],
    ['https://ap-southeast-2.queue.amazonaws.com/123456789012/q', 'ap-southeast-2'],
    ['http://127.0.0.1:4566/000000000000/q', undefined],
    ['not a url', undefined],
  ])('takes the region of %s: %s', (url, region) => {
    expect(queueRegion(url)).toBe(region);
  });

  it('is made for the queue region, with a socket timeout above the long poll', async () => {
    const c = createSqsClient(QUEUE);
    expect(await c.config.region()).toBe('eu-west-1');
    expect(await c.config.maxAttempts()).toBe(3);
  });
});
