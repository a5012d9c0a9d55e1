// The event consumer through the real SQS client against the in-process SQS double: a message sent
// during a long poll arrives, is handed over and deleted; stop() abandons the open long poll at
// once (the double sees the connection close); a missing queue is retried after a backoff.
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqsClient, startAwsEvents } from '../../src/aws/aws-events.js';
import { awsEventsMetrics } from '../../src/aws/aws-events-metrics.js';
import type { AwsChange } from '../../src/core/aws-change.js';
import { AWS_EVENT_SAMPLES } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { startSqsJsonDouble, type SqsJsonDouble } from './sqs-json-double.js';

const sample = (file: string) => readFileSync(`${AWS_EVENT_SAMPLES}/${file}`, 'utf8');
const silent = pino({ level: 'silent' });
let sqs: SqsJsonDouble;

beforeEach(async () => {
  sqs = await startSqsJsonDouble();
});
afterEach(() => sqs.close());

const client = () => createSqsClient(sqs.queueUrl, { endpoint: sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });

describe('startAwsEvents through the SQS client', () => {
  it('gets a message sent during a long poll, hands it over and deletes it', async () => {
    const changes: AwsChange[] = [];
    const consumer = startAwsEvents({ queueUrl: sqs.queueUrl, client: client(), log: silent, onChange: (c) => void changes.push(c) });
    try {
      await until(() => sqs.openPolls === 1, { what: 'a long poll' });
      sqs.send(sample('authorize-security-group-egress.json'));
      sqs.send('not json at all');
      await until(() => changes.length === 1 && sqs.inFlight === 0 && sqs.visible === 0, { what: 'the change and the deletes' });
      expect(changes[0]).toMatchObject({ securityGroupIds: ['sg-0a1b2c3d4e5f60718'], full: false, eventNames: ['AuthorizeSecurityGroupEgress'] });
      expect(sqs.requests).toContain('DeleteMessageBatch');
    } finally {
      await consumer.stop();
    }
  });

  it('stop() during a long poll returns at once and closes the poll; nothing is received after it', async () => {
    const consumer = startAwsEvents({ queueUrl: sqs.queueUrl, client: client(), log: silent, onChange: () => undefined });
    await until(() => sqs.openPolls === 1, { what: 'a long poll' });
    await consumer.stop();
    await until(() => sqs.abandonedPolls === 1, { what: 'the double to see the poll abandoned' });
    expect(sqs.openPolls).toBe(0);
    const receives = sqs.requests.filter((r) => r === 'ReceiveMessage').length;
    sqs.send(sample('run-instances.json'));
    expect(sqs.requests.filter((r) => r === 'ReceiveMessage').length).toBe(receives);
    expect(sqs.visible).toBe(1);
  });

  it('retries a queue that does not exist (yet) after a backoff, counting the error', async () => {
    sqs.fail('ReceiveMessage', [{ status: 400, type: 'QueueDoesNotExist', message: 'The specified queue does not exist.' }]);
    sqs.send(sample('run-instances.json'));
    const registry = new Registry();
    const changes: AwsChange[] = [];
    const consumer = startAwsEvents({ queueUrl: sqs.queueUrl, client: client(), log: silent, metrics: awsEventsMetrics(registry), backoff: { initialMs: 5, maxMs: 5 }, onChange: (c) => void changes.push(c) });
    try {
      await until(() => changes.length === 1, { what: 'the message, after the failed receive' });
      expect(changes[0]!.full).toBe(true);
      const errors = (await registry.getSingleMetric('sgbridge_aws_events_errors_total')!.get()).values;
      expect(errors).toEqual([{ labels: { call: 'ReceiveMessage' }, value: 1 }]);
    } finally {
      await consumer.stop();
    }
  });
});
