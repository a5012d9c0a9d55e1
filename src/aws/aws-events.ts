// The AWS change-event consumer (SPEC §4): long-polls the SQS queue that the EventBridge rule of
// deploy/aws-events.cloudformation.yaml fills with EC2 API calls, hands each batch's change to the
// syncer, then deletes the batch. What a message means is decided in core (parseAwsEventMessage);
// this file only moves messages. Only the sync leader should run it: a message deleted by another
// replica would never reach the leader.
import { setTimeout as sleep } from 'node:timers/promises';
import { DeleteMessageBatchCommand, type Message, ReceiveMessageCommand, SQSClient, type SQSClientConfig } from '@aws-sdk/client-sqs';
import { mergeAwsChanges, parseAwsEventMessage, type AwsChange, type IgnoreReason } from '../core/aws-change.js';
import type { Logger } from '../log.js';
import { awsEventsRecorder, type AwsEventsMetrics } from './aws-events-metrics.js';

/** SQS's longest long poll and largest batch: an idle queue costs three calls a minute. */
export const RECEIVE = { WaitTimeSeconds: 20, MaxNumberOfMessages: 10 } as const;
/** Waits after failed receives: doubling from initialMs up to maxMs, reset by a good receive. */
export const RECEIVE_BACKOFF = { initialMs: 1_000, maxMs: 60_000 };

export interface AwsEventsOptions {
  queueUrl: string;
  /** Default: createSqsClient(queueUrl). */
  client?: SQSClient;
  log: Logger;
  metrics?: AwsEventsMetrics;
  /**
   * Called once per received batch that asks for a change. The batch is deleted when it resolves;
   * if it throws, the batch's messages stay on the queue and come back after their visibility
   * timeout (the queue's dead-letter queue takes them after a few tries).
   */
  onChange: (change: AwsChange) => void | Promise<void>;
  /** Tests shorten the waits. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface AwsEvents {
  /** Ends the long poll at once and resolves when the batch in hand (if any) is handled. */
  stop(): Promise<void>;
}

/** The region in an AWS queue URL (sqs.<region>.amazonaws.com, VPC endpoints, the legacy <region>.queue.amazonaws.com). */
export function queueRegion(queueUrl: string): string | undefined {
  let host: string;
  try {
    host = new URL(queueUrl).hostname;
  } catch {
    return undefined;
  }
  return /(?:^|\.)sqs\.([a-z0-9-]+)\.(?:vpce\.)?amazonaws\.com(?:\.cn)?$/.exec(host)?.[1] ?? /^([a-z0-9-]+)\.queue\.amazonaws\.com(?:\.cn)?$/.exec(host)?.[1];
}

/**
 * An SQS client for the queue: its region from the queue URL where it has one (else the SDK's
 * chain), a socket timeout above the 20 s long poll so a dead connection cannot hang the loop, and
 * few SDK retries because the loop backs off on its own.
 */
export function createSqsClient(queueUrl: string, extra: SQSClientConfig = {}): SQSClient {
  const region = queueRegion(queueUrl);
  return new SQSClient({ retryMode: 'standard', maxAttempts: 3, requestHandler: { requestTimeout: 40_000 }, ...(region ? { region } : {}), ...extra });
}

const MALFORMED: ReadonlySet<IgnoreReason> = new Set(['too-large', 'not-json', 'not-an-event']);

/** Rejects as soon as `signal` aborts, whether or not the operation itself listens to it. */
function abortable<T>(operation: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    operation.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export function startAwsEvents(opts: AwsEventsOptions): AwsEvents {
  const { queueUrl, log } = opts;
  const client = opts.client ?? createSqsClient(queueUrl);
  const record = awsEventsRecorder(opts.metrics);
  const backoff = opts.backoff ?? RECEIVE_BACKOFF;
  const stopping = new AbortController();

  async function receive(): Promise<Message[]> {
    const command = new ReceiveMessageCommand({ QueueUrl: queueUrl, ...RECEIVE });
    const out = await abortable(client.send(command, { abortSignal: stopping.signal }), stopping.signal);
    return out.Messages ?? [];
  }

  async function remove(messages: Message[]): Promise<void> {
    const entries = messages.filter((m) => m.ReceiptHandle).map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! }));
    if (entries.length === 0) return;
    try {
      const out = await client.send(new DeleteMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }));
      if (out.Failed?.length) {
        record.error('DeleteMessageBatch');
        log.warn({ failed: out.Failed.map((f) => ({ id: f.Id, code: f.Code, message: f.Message })) }, 'AWS events: some messages were not deleted; they come back after their visibility timeout');
      }
    } catch (err) {
      record.error('DeleteMessageBatch');
      log.warn({ err }, 'AWS events: deleting handled messages failed; they come back after their visibility timeout');
    }
  }

  async function handle(messages: Message[]): Promise<void> {
    record.received(messages.length);
    const now = Date.now();
    const changes: AwsChange[] = [];
    const ignored: Message[] = [];
    for (const m of messages) {
      const parsed = parseAwsEventMessage(m.Body ?? '');
      if (parsed.kind === 'ignored') {
        record.ignored(parsed.reason);
        const level = MALFORMED.has(parsed.reason) ? 'warn' : 'info';
        log[level]({ messageId: m.MessageId, reason: parsed.reason, detail: parsed.detail }, 'AWS events: message ignored and deleted');
        ignored.push(m);
        continue;
      }
      changes.push(parsed.change);
      if (parsed.change.earliestEventTime !== undefined) record.delay((now - parsed.change.earliestEventTime) / 1000);
      log.debug({ messageId: m.MessageId, eventId: parsed.eventId, eventName: parsed.eventName, groups: parsed.change.securityGroupIds, fullBecause: parsed.fullBecause }, 'AWS events: EC2 change');
    }
    const change = mergeAwsChanges(changes);
    if (change) {
      try {
        await opts.onChange(change);
      } catch (err) {
        log.error({ err, eventNames: change.eventNames }, 'AWS events: handing the change to the syncer failed; its messages stay on the queue');
        await remove(ignored);
        return;
      }
      record.change(change.full);
      log.info({ groups: change.securityGroupIds, full: change.full, eventNames: change.eventNames }, 'AWS events: change handed to the syncer');
    }
    await remove(messages);
  }

  async function run(): Promise<void> {
    let failures = 0;
    while (!stopping.signal.aborted) {
      let messages: Message[];
      try {
        messages = await receive();
        failures = 0;
      } catch (err) {
        if (stopping.signal.aborted) break;
        record.error('ReceiveMessage');
        // One consumer (the leader) per queue, so plain doubling needs no jitter.
        const waitMs = Math.min(backoff.maxMs, backoff.initialMs * 2 ** failures++);
        log.warn({ err, queueUrl, retryInMs: waitMs }, 'AWS events: receiving from the queue failed');
        await sleep(waitMs, undefined, { signal: stopping.signal }).catch(() => undefined);
        continue;
      }
      if (messages.length > 0) await handle(messages);
    }
  }

  const done = run().catch((err: unknown) => log.error({ err }, 'AWS events: the consumer stopped on an unexpected error'));
  log.info({ queueUrl }, 'AWS events: consuming the queue');
  return {
    stop: async () => {
      stopping.abort();
      await done;
    },
  };
}
