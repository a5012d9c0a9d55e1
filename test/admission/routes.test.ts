// The server's routes (src/admission/routes.ts), the one way every request takes: which requests
// reach a webhook and what the others are answered; that the answer on the wire is the exchange's
// own for every sample and the bad-input corpus; and that failures past the handler or a client
// that goes away mid-body never take the process down.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { BodyBudget } from '../../src/admission/body-budget.js';
import { admissionRoutes } from '../../src/admission/routes.js';
import { BodyError, parseAdmissionBody } from '../../src/admission/json-body.js';
import { admissionMetrics } from '../../src/admission/metrics.js';
import { createWebhook, type AdmissionHandler, type WebhookLog } from '../../src/admission/webhook.js';
import type { Decision } from '../../src/core/admission-types.js';
import { exampleHandlers, startExampleServer, startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';
import { ADMISSION_SAMPLES } from '../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const SAMPLE_FILES = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
const POD_CREATE = readFileSync(join(SAMPLES, '001-mutate-pods-CREATE.json'), 'utf8');

/** The routes on a plain HTTP server, the webhook's handler counting its calls. */
async function plainServer(opts: { parse?: (text: string) => unknown; bodyLimit?: number; budget?: BodyBudget; isClosing?: () => boolean; log?: WebhookLog; handler?: AdmissionHandler } = {}) {
  const registry = new Registry();
  const log = opts.log ?? pino({ level: 'silent' });
  const webhook = createWebhook('/mutate', opts.handler ?? (() => ({ allowed: true })), admissionMetrics(registry), log);
  const routes = admissionRoutes({
    webhooks: new Map([['/mutate', webhook]]),
    registry,
    parse: opts.parse ?? parseAdmissionBody,
    bodyLimit: opts.bodyLimit ?? 10_000,
    budget: opts.budget ?? new BodyBudget(1_000_000),
    isClosing: opts.isClosing ?? (() => false),
    log,
  });
  const server = createServer(routes);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, registry, port: (server.address() as { port: number }).port, close: () => new Promise<void>((r) => server.close(() => r())) };
}

function call(port: number, opts: { method?: string; path?: string; headers?: Record<string, string | string[]>; chunks?: string[] } = {}): Promise<{ status: number; text: string; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    const chunks = opts.chunks ?? [POD_CREATE];
    const chunked = chunks.length > 1;
    const headers = { 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(chunks[0]!)) }), ...opts.headers };
    const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/mutate', headers, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('which requests reach the webhook (the routes on a plain HTTP server)', () => {
  let server: Awaited<ReturnType<typeof plainServer>>;
  let closing = false;
  const timeouts: (number | undefined)[] = [];
  beforeAll(async () => {
    server = await plainServer({
      isClosing: () => closing,
      handler: (_req, ctx): Decision => {
        timeouts.push(ctx.timeoutMs);
        return { allowed: true };
      },
    });
  });
  afterAll(() => server.close());
  afterEach(() => {
    closing = false;
  });

  async function reached(opts: Parameters<typeof call>[1]): Promise<boolean> {
    const before = timeouts.length;
    await call(server.port, opts);
    return timeouts.length > before;
  }

  it('hands a POST to a webhook path to it, whatever the query, content type or transfer encoding', async () => {
    expect(await reached({})).toBe(true);
    expect(await reached({ headers: { 'content-type': 'application/json; charset=utf-8' } })).toBe(true);
    expect(await reached({ path: '/mutate?timeout=7s' })).toBe(true);
    expect(await reached({ path: '/mutate?dryRun=1&timeout=12s' })).toBe(true);
    expect(await reached({ path: '/mutate?timeout=soon' })).toBe(true);
    expect(await reached({ path: '/mutate?xtimeout=5s' })).toBe(true);
    expect(await reached({ chunks: [POD_CREATE.slice(0, 100), POD_CREATE.slice(100)] })).toBe(true);
    expect(timeouts.slice(-7)).toEqual([undefined, undefined, 7000, 12_000, undefined, undefined, undefined]);
  });

  it('answers other paths 404, other methods 405, and everything 503 while draining, each with a JSON error', async () => {
    const notFound = await call(server.port, { path: '/validate' });
    expect(notFound.status).toBe(404);
    expect(JSON.parse(notFound.text)).toMatchObject({ statusCode: 404, error: 'Not Found' });
    expect((await call(server.port, { path: '/mutate/extra' })).status).toBe(404);
    const wrongMethod = await call(server.port, { method: 'PUT' });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await call(server.port, { method: 'POST', path: '/healthz' })).status).toBe(405);
    closing = true;
    const draining = await call(server.port, {});
    expect(draining.status).toBe(503);
    expect(draining.headers.connection).toBe('close');
    expect(JSON.parse(draining.text)).toMatchObject({ statusCode: 503, error: 'Service Unavailable' });
    expect((await call(server.port, { method: 'GET', path: '/healthz', chunks: [''] })).status).toBe(503);
    expect(timeouts).toHaveLength(7);
  });

  it('answers a body over the limit 413, by its Content-Length or as its chunks arrive, and counts it as invalid', async () => {
    const sized = await call(server.port, { chunks: [POD_CREATE + ' '.repeat(10_000)] });
    expect(sized.status).toBe(413);
    expect(JSON.parse(sized.text)).toMatchObject({ statusCode: 413, error: 'Payload Too Large', field: 'body' });
    const chunked = await call(server.port, { chunks: [POD_CREATE, ' '.repeat(10_000), 'x'] });
    expect(chunked.status).toBe(413);
    expect(await server.registry.metrics()).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="unknown",outcome="invalid"\} 2/);
    expect((await call(server.port, {})).status).toBe(200);
  });

  it('answers a body it cannot read with 400 naming the field, and counts it as invalid', async () => {
    const res = await call(server.port, { chunks: ['{"apiVersion":'] });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ statusCode: 400, error: 'Bad Request', field: 'body', message: expect.stringMatching(/not valid JSON/) as unknown });
    expect(await server.registry.metrics()).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="unknown",outcome="invalid"\} 3/);
  });
});

describe('bodies held at once', () => {
  it('reads a body only once the ones before it that fill the budget are answered', async () => {
    const size = Buffer.byteLength(POD_CREATE);
    let release: () => void = () => undefined;
    let entered = 0;
    const server = await plainServer({
      // Room for one sample body at a time.
      budget: new BodyBudget(size + 10),
      handler: async () => {
        if (++entered === 1) await new Promise<void>((r) => (release = r));
        return { allowed: true };
      },
    });
    try {
      const first = call(server.port, {});
      await vi.waitFor(() => expect(entered).toBe(1));
      const second = call(server.port, {});
      // The second waits unread while the first is being decided.
      await new Promise((r) => setTimeout(r, 100));
      expect(entered).toBe(1);
      release();
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      expect(entered).toBe(2);
    } finally {
      await server.close();
    }
  });

  it('answers a Content-Length over the limit at once, before the body is sent', async () => {
    const server = await plainServer({ bodyLimit: 1000 });
    try {
      const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port: server.port, method: 'POST', path: '/mutate', headers: { 'content-type': 'application/json', 'content-length': String(7 * 1024 * 1024) } }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
        });
        req.on('error', reject);
        // Headers only: the body never comes.
        req.flushHeaders();
      });
      expect(answer.status).toBe(413);
      expect(JSON.parse(answer.text)).toMatchObject({ field: 'body', message: expect.stringMatching(/larger than the/) as unknown });
    } finally {
      server.server.closeAllConnections();
      await server.close();
    }
  });
});

describe('a failure past the handler', () => {
  it('answers 500, logs it and keeps the process serving', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    let calls = 0;
    const parse = (text: string) => {
      if (++calls === 1) throw new TypeError('a bug in the parser');
      if (calls === 2) throw new BodyError('body', 'body: refused');
      return parseAdmissionBody(text);
    };
    const server = await plainServer({ parse, log });
    const url = `http://127.0.0.1:${server.port}/mutate`;
    const post = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: POD_CREATE });
    try {
      const failed = await post();
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      expect(lines.some((l) => /"msg":"request failed"/.test(l) && /a bug in the parser/.test(l))).toBe(true);
      expect((await post()).status).toBe(400);
      expect((await post()).status).toBe(200);
      expect(await server.registry.metrics()).toMatch(/outcome="error"\} 1/);
    } finally {
      await server.close();
    }
  });
});

describe('the answer on the wire is the exchange\'s own', () => {
  let server: TestServer;
  let exchanges: Map<string, ReturnType<typeof createWebhook>>;
  beforeAll(async () => {
    server = await startExampleServer();
    // The same handlers through the exchange alone, with no HTTP around it.
    const handlers = await exampleHandlers();
    const metrics = admissionMetrics(new Registry());
    exchanges = new Map(Object.entries(handlers).map(([path, h]) => [path, createWebhook(path, h, metrics, pino({ level: 'silent' }))]));
  });
  afterAll(async () => server.close());

  async function both(path: string, body: string) {
    const wire = await httpsCall(`${server.url}${path}`, { ca: server.ca, body });
    const ctx = { elapsedSeconds: () => 0 };
    let parsed: unknown;
    let direct;
    try {
      parsed = parseAdmissionBody(body);
      direct = await exchanges.get(path)!.answer(parsed, ctx);
    } catch (err) {
      if (!(err instanceof BodyError)) throw err;
      direct = exchanges.get(path)!.refuse(400, err.message, err.field, ctx);
    }
    return { wire: { status: wire.status, type: wire.headers['content-type'], body: wire.json() }, direct: { status: direct.statusCode, type: 'application/json; charset=utf-8', body: JSON.parse(direct.body) as unknown } };
  }

  it.each(SAMPLE_FILES)('%s', async (file) => {
    const { wire, direct } = await both(file.includes('-mutate-') ? '/mutate' : '/validate', readFileSync(join(SAMPLES, file), 'utf8'));
    expect(wire.status).toBe(200);
    expect(wire).toEqual(direct);
  });

  const bad: [string, string][] = [
    ['not JSON', 'this is not json'],
    ['an empty body', ''],
    ['a JSON array', '[1]'],
    ['a wrong apiVersion', POD_CREATE.replace('admission.k8s.io/v1', 'admission.k8s.io/v1beta1')],
    ['prototype poisoning', POD_CREATE.replace('"request": {', '"request": {"__proto__": {"x": 1},')],
    ['deep nesting', `{"a":${'['.repeat(2000)}${']'.repeat(2000)}}`],
  ];
  it.each(bad)('%s', async (_name, body) => {
    const { wire, direct } = await both('/mutate', body);
    expect(wire.status).toBe(400);
    expect(wire).toEqual(direct);
  });
});

describe('a client that goes away mid-body', () => {
  it('leaves nothing to answer, logs no error, and the server answers the next request', async () => {
    const server = await startTestServer();
    try {
      const { hostname, port } = new URL(server.url);
      await new Promise<void>((resolve, reject) => {
        const socket = connect({ host: hostname, port: Number(port), ca: server.ca, servername: 'localhost' }, () => {
          socket.write(`POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${POD_CREATE.length}\r\n\r\n${POD_CREATE.slice(0, 500)}`);
          setTimeout(() => socket.destroy(), 50);
        });
        socket.on('close', () => resolve());
        socket.on('error', reject);
      });
      const next = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
      expect(next.status).toBe(200);
      expect(server.logs.filter((l) => (l.level as number) >= 50)).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
