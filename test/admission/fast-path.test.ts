// The webhook fast path (src/admission/fast-path.ts): which requests it answers itself and which it
// leaves to fastify, that both ways give the same answers (every sample and the bad-input corpus,
// over real TLS against fastify's inject()), and that failures past the handler or a client that
// goes away mid-body never take the process down.
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { webhookFastPath } from '../../src/admission/fast-path.js';
import { BodyError, parseAdmissionBody } from '../../src/admission/json-body.js';
import { admissionMetrics } from '../../src/admission/metrics.js';
import { createWebhook, type AdmissionHandler } from '../../src/admission/webhook.js';
import type { Decision } from '../../src/core/admission-types.js';
import { startExampleServer, startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';
import { ADMISSION_SAMPLES } from '../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const SAMPLE_FILES = readdirSync(SAMPLES).filter((f) => f.endsWith('.json'));
const POD_CREATE = readFileSync(join(SAMPLES, '001-mutate-pods-CREATE.json'), 'utf8');

describe('which requests the fast path answers (plain HTTP server, fastify replaced by a fallback)', () => {
  let server: Server;
  let port: number;
  let closing = false;
  let fallbacks = 0;
  const timeouts: (number | undefined)[] = [];
  const handler: AdmissionHandler = (_req, ctx): Decision => {
    timeouts.push(ctx.timeoutMs);
    return { allowed: true };
  };
  const registry = new Registry();

  beforeAll(async () => {
    const webhook = createWebhook('/mutate', handler, admissionMetrics(registry), pino({ level: 'silent' }));
    const fast = webhookFastPath({ webhooks: new Map([['/mutate', webhook]]), parse: parseAdmissionBody, bodyLimit: 10_000, isClosing: () => closing, log: pino({ level: 'silent' }) });
    server = createServer((req, res) => {
      if (fast(req, res)) return;
      fallbacks++;
      req.resume();
      req.on('end', () => res.writeHead(299).end('fallback'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  afterEach(() => {
    closing = false;
  });

  function call(opts: { method?: string; path?: string; headers?: Record<string, string | string[]>; chunks?: string[] }): Promise<{ status: number; text: string }> {
    return new Promise((resolve, reject) => {
      const chunks = opts.chunks ?? [POD_CREATE];
      const chunked = chunks.length > 1;
      const headers = { 'content-type': 'application/json', ...(chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': String(Buffer.byteLength(chunks[0]!)) }), ...opts.headers };
      const req = request({ host: '127.0.0.1', port, method: opts.method ?? 'POST', path: opts.path ?? '/mutate', headers, agent: false }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      for (const c of chunks) req.write(c);
      req.end();
    });
  }

  async function takenBy(opts: Parameters<typeof call>[0]): Promise<'fast path' | 'fastify'> {
    const before = fallbacks;
    const res = await call(opts);
    return fallbacks > before ? (expect(res.status).toBe(299), 'fastify') : (expect(res.status).toBe(200), 'fast path');
  }

  it('answers a POST of application/json with a Content-Length to a webhook path', async () => {
    expect(await takenBy({})).toBe('fast path');
    expect(await takenBy({ headers: { 'content-type': 'application/json; charset=utf-8' } })).toBe('fast path');
    expect(await takenBy({ path: '/mutate?timeout=7s' })).toBe('fast path');
    expect(await takenBy({ path: '/mutate?dryRun=1&timeout=12s' })).toBe('fast path');
    expect(await takenBy({ path: '/mutate?timeout=soon' })).toBe('fast path');
    expect(await takenBy({ path: '/mutate?xtimeout=5s' })).toBe('fast path');
    expect(timeouts.slice(-6)).toEqual([undefined, undefined, 7000, 12_000, undefined, undefined]);
  });

  it('leaves other methods, paths, content types, chunked and oversized bodies, and shutdown to fastify', async () => {
    expect(await takenBy({ method: 'PUT' })).toBe('fastify');
    expect(await takenBy({ path: '/validate' })).toBe('fastify');
    expect(await takenBy({ path: '/mutate/extra' })).toBe('fastify');
    expect(await takenBy({ headers: { 'content-type': 'text/plain' } })).toBe('fastify');
    expect(await takenBy({ headers: { 'content-type': 'application/jsonx' } })).toBe('fastify');
    expect(await takenBy({ chunks: [POD_CREATE.slice(0, 100), POD_CREATE.slice(100)] })).toBe('fastify');
    expect(await takenBy({ chunks: [POD_CREATE + ' '.repeat(10_000)] })).toBe('fastify');
    expect(await takenBy({ headers: { 'content-type': ['application/json', 'text/plain'] } })).toBe('fastify');
    closing = true;
    expect(await takenBy({})).toBe('fastify');
  });

  it('answers a body it cannot read with 400 naming the field, and counts it as invalid', async () => {
    const res = await call({ chunks: ['{"apiVersion":'] });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.text)).toMatchObject({ statusCode: 400, error: 'Bad Request', field: 'body', message: expect.stringMatching(/not valid JSON/) as unknown });
    expect(await registry.metrics()).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="unknown",outcome="invalid"\} 1/);
  });
});

describe('a failure past the handler', () => {
  it('answers 500, logs it and keeps the process serving', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (l: string) => void lines.push(l) });
    const registry = new Registry();
    const webhook = createWebhook('/mutate', () => ({ allowed: true }), admissionMetrics(registry), log);
    let calls = 0;
    const parse = (text: string) => {
      if (++calls === 1) throw new TypeError('a bug in the parser');
      if (calls === 2) throw new BodyError('body', 'body: refused');
      return parseAdmissionBody(text);
    };
    const fast = webhookFastPath({ webhooks: new Map([['/mutate', webhook]]), parse, bodyLimit: 10_000, isClosing: () => false, log });
    const server = createServer((req, res) => void (fast(req, res) || res.writeHead(404).end()));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mutate`;
    const post = () => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: POD_CREATE });
    try {
      const failed = await post();
      expect(failed.status).toBe(500);
      expect(await failed.json()).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'internal error' });
      expect(lines.some((l) => /"msg":"request failed"/.test(l) && /a bug in the parser/.test(l))).toBe(true);
      expect((await post()).status).toBe(400);
      expect((await post()).status).toBe(200);
      expect(await registry.metrics()).toMatch(/outcome="error"\} 1/);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('fast path and fastify route give the same answers', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startExampleServer();
  });
  afterAll(async () => server.close());

  async function both(path: string, body: string) {
    const wire = await httpsCall(`${server.url}${path}`, { ca: server.ca, body });
    const injected = await server.app.inject({ method: 'POST', url: path, payload: body, headers: { 'content-type': 'application/json' } });
    return { wire: { status: wire.status, type: wire.headers['content-type'], body: wire.json() }, injected: { status: injected.statusCode, type: injected.headers['content-type'], body: injected.json<unknown>() } };
  }

  it.each(SAMPLE_FILES)('%s', async (file) => {
    const { wire, injected } = await both(file.includes('-mutate-') ? '/mutate' : '/validate', readFileSync(join(SAMPLES, file), 'utf8'));
    expect(wire.status).toBe(200);
    expect(wire).toEqual(injected);
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
    const { wire, injected } = await both('/mutate', body);
    expect(wire.status).toBe(400);
    expect(wire).toEqual(injected);
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
