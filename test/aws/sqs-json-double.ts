// A test double of SQS's AWS JSON 1.0 API over HTTP on 127.0.0.1 (port 0): one queue, enough of
// ReceiveMessage (a long poll that waits for a message or its WaitTimeSeconds) and
// DeleteMessageBatch for the event consumer, with SQS's error envelope, so requests go through the
// real SDK stack (signing, JSON protocol, the body-MD5 check, abort signals).
import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SqsFault {
  status: number;
  /** The error's shape name, e.g. QueueDoesNotExist. */
  type: string;
  message: string;
}

export interface SqsJsonDouble {
  endpoint: string;
  /** The queue's URL on this double (account 123456789012). */
  queueUrl: string;
  /** Puts a message on the queue; a waiting long poll gets it at once. */
  send(body: string): void;
  /** The next request to `action` (ReceiveMessage, DeleteMessageBatch) fails with each fault in turn. */
  fail(action: string, faults: SqsFault[]): void;
  /** Actions seen, in order. */
  requests: string[];
  /** Long polls waiting now, and long polls the client gave up (closed) before an answer. */
  readonly openPolls: number;
  readonly abandonedPolls: number;
  /** Messages on the queue, and received but not deleted. */
  readonly visible: number;
  readonly inFlight: number;
  close(): Promise<void>;
}

interface QueuedMessage {
  MessageId: string;
  Body: string;
  MD5OfBody: string;
}

export async function startSqsJsonDouble(): Promise<SqsJsonDouble> {
  const visible: QueuedMessage[] = [];
  const inFlight = new Map<string, QueuedMessage>();
  const faults = new Map<string, SqsFault[]>();
  const requests: string[] = [];
  const waiting = new Set<() => void>();
  let abandoned = 0;

  const reply = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/x-amz-json-1.0' }).end(JSON.stringify(body));

  function take(max: number) {
    return visible.splice(0, max).map((m) => {
      const ReceiptHandle = randomUUID();
      inFlight.set(ReceiptHandle, m);
      return { ...m, ReceiptHandle };
    });
  }

  function receive(req: IncomingMessage, res: ServerResponse, input: { MaxNumberOfMessages?: number; WaitTimeSeconds?: number }) {
    const max = input.MaxNumberOfMessages ?? 1;
    if (visible.length > 0) return reply(res, 200, { Messages: take(max) });
    const answer = () => {
      clearTimeout(timer);
      waiting.delete(answer);
      reply(res, 200, visible.length > 0 ? { Messages: take(max) } : {});
    };
    const timer = setTimeout(answer, (input.WaitTimeSeconds ?? 0) * 1000);
    waiting.add(answer);
    res.on('close', () => {
      if (!res.writableEnded) {
        abandoned++;
        clearTimeout(timer);
        waiting.delete(answer);
      }
    });
  }

  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString()));
    req.on('end', () => {
      const action = String(req.headers['x-amz-target'] ?? '').replace(/^AmazonSQS\./, '');
      requests.push(action);
      const fault = faults.get(action)?.shift();
      if (fault) return reply(res, fault.status, { __type: `com.amazonaws.sqs#${fault.type}`, message: fault.message });
      const input = JSON.parse(raw || '{}');
      if (action === 'ReceiveMessage') return receive(req, res, input);
      if (action === 'DeleteMessageBatch') {
        const entries = (input.Entries ?? []) as { Id: string; ReceiptHandle: string }[];
        const ok = entries.filter((e) => inFlight.delete(e.ReceiptHandle));
        const failed = entries.filter((e) => !ok.includes(e)).map((e) => ({ Id: e.Id, Code: 'ReceiptHandleIsInvalid', Message: 'unknown receipt handle', SenderFault: true }));
        return reply(res, 200, { Successful: ok.map((e) => ({ Id: e.Id })), Failed: failed });
      }
      reply(res, 400, { __type: 'com.amazonaws.sqs#InvalidAction', message: `${action} is not served by this double` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    queueUrl: `${endpoint}/123456789012/sgbridge-aws-events`,
    send: (body) => {
      visible.push({ MessageId: randomUUID(), Body: body, MD5OfBody: createHash('md5').update(body).digest('hex') });
      for (const answer of [...waiting]) answer();
    },
    fail: (action, list) => faults.set(action, [...(faults.get(action) ?? []), ...list]),
    requests,
    get openPolls() {
      return waiting.size;
    },
    get abandonedPolls() {
      return abandoned;
    },
    get visible() {
      return visible.length;
    },
    get inFlight() {
      return inFlight.size;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
