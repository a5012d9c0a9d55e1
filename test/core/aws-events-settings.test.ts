// The awsEventsQueueUrl setting (flag, SGBRIDGE_* variable, file key; checked, naming itself) and
// the resync interval it stretches.
import { describe, expect, it } from 'vitest';
import { EVENTS_RESYNC_INTERVAL, effectiveResyncInterval } from '../../src/core/resync-interval.js';
import { ConfigError, resolveSettings } from '../../src/core/settings.js';

const QUEUE = 'https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events';
const WITH_AWS = { aws: true, vpcId: 'vpc-0123456789abcdef0' };

function problems(sources: Parameters<typeof resolveSettings>[0]): string[] {
  try {
    resolveSettings(sources);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('awsEventsQueueUrl', () => {
  it('is off by default, and read from the flag, SGBRIDGE_AWS_EVENTS_QUEUE_URL or the config file', () => {
    expect(resolveSettings({}).awsEventsQueueUrl).toBe('');
    expect(resolveSettings({ flags: { ...WITH_AWS, awsEventsQueueUrl: QUEUE } }).awsEventsQueueUrl).toBe(QUEUE);
    expect(resolveSettings({ flags: WITH_AWS, env: { SGBRIDGE_AWS_EVENTS_QUEUE_URL: QUEUE } }).awsEventsQueueUrl).toBe(QUEUE);
    expect(resolveSettings({ flags: WITH_AWS, file: { path: 'sgbridge.yaml', values: { awsEventsQueueUrl: QUEUE } } }).awsEventsQueueUrl).toBe(QUEUE);
  });

  it.each([
    QUEUE,
    'https://sqs.cn-north-1.amazonaws.com.cn/123456789012/events',
    'https://vpce-0a1b2c3d4e5f60718-abcdefgh.sqs.eu-west-1.vpce.amazonaws.com/123456789012/events',
    'https://eu-west-1.queue.amazonaws.com/123456789012/events',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-events.fifo',
    'http://127.0.0.1:4566/000000000000/local-events',
    `https://sqs.eu-west-1.amazonaws.com/123456789012/${'q'.repeat(80)}`,
  ])('accepts %s', (url) => {
    expect(problems({ flags: { ...WITH_AWS, awsEventsQueueUrl: url } })).toEqual([]);
  });

  it.each([
    'sgbridge-aws-events',
    'arn:aws:sqs:eu-west-1:123456789012:sgbridge-aws-events',
    'https://sqs.eu-west-1.amazonaws.com/sgbridge-aws-events',
    'https://sqs.eu-west-1.amazonaws.com/12345/sgbridge-aws-events',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/name with spaces',
    'https://sqs.eu-west-1.amazonaws.com/123456789012/a.b',
    `https://sqs.eu-west-1.amazonaws.com/123456789012/${'q'.repeat(81)}`,
    'ftp://sqs.eu-west-1.amazonaws.com/123456789012/events',
  ])('refuses %s, naming the setting and the form expected', (url) => {
    expect(problems({ env: { SGBRIDGE_AWS: 'true', SGBRIDGE_VPC_ID: WITH_AWS.vpcId, SGBRIDGE_AWS_EVENTS_QUEUE_URL: url } })).toEqual([
      `SGBRIDGE_AWS_EVENTS_QUEUE_URL: expected an SQS queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/sgbridge-aws-events (got ${JSON.stringify(url)})`,
    ]);
  });

  it('needs --aws: the events name EC2 changes to re-read', () => {
    expect(problems({ flags: { awsEventsQueueUrl: QUEUE } })).toEqual([expect.stringMatching(/^--aws-events-queue-url \/ SGBRIDGE_AWS_EVENTS_QUEUE_URL: needs --aws/)]);
  });
});

describe('effectiveResyncInterval', () => {
  it('is the resync interval without events', () => {
    expect(effectiveResyncInterval(resolveSettings({}))).toBe(10);
    expect(effectiveResyncInterval(resolveSettings({ flags: { resyncInterval: 42 } }))).toBe(42);
  });

  it(`stretches the default to ${EVENTS_RESYNC_INTERVAL} s with events, and keeps any other interval set`, () => {
    expect(EVENTS_RESYNC_INTERVAL).toBe(300);
    expect(effectiveResyncInterval(resolveSettings({ flags: { ...WITH_AWS, awsEventsQueueUrl: QUEUE } }))).toBe(EVENTS_RESYNC_INTERVAL);
    expect(effectiveResyncInterval(resolveSettings({ flags: { ...WITH_AWS, awsEventsQueueUrl: QUEUE, resyncInterval: 60 } }))).toBe(60);
    expect(effectiveResyncInterval(resolveSettings({ flags: { ...WITH_AWS, awsEventsQueueUrl: QUEUE, resyncInterval: 900 } }))).toBe(900);
  });
});
