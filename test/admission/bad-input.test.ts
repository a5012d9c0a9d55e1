// The bad-input corpus, over real TLS: each request gets a 400 (413 for an oversized body, 408 for
// a body that never finishes) with a JSON error naming the field, and the server still answers the
// next request.
import { readFileSync } from 'node:fs';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';
import { admissionSample } from '../support/fixtures.js';

const SAMPLE = readFileSync(admissionSample('001-mutate-pods-CREATE.json'), 'utf8');

function sampleWith(change: (review: Record<string, unknown> & { request: Record<string, unknown> }) => void): string {
  const review = JSON.parse(SAMPLE) as Record<string, unknown> & { request: Record<string, unknown> };
  change(review);
  return JSON.stringify(review);
}

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  field?: string;
}

const KEEP_ALIVE_MS = 1000;

describe('bad input over HTTPS', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ timeouts: { request: 1000, keepAlive: KEEP_ALIVE_MS } });
  });
  afterAll(async () => server.close());

  async function expectStillServing(): Promise<void> {
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: SAMPLE });
    expect(res.status).toBe(200);
    expect((res.json() as { response: { allowed: boolean } }).response.allowed).toBe(true);
  }

  const corpus: { name: string; body: () => string | Buffer; field: string; message: RegExp; headers?: Record<string, string> }[] = [
    { name: 'not JSON', body: () => 'this is not json', field: 'body', message: /body: not valid JSON/ },
    { name: 'truncated JSON', body: () => SAMPLE.slice(0, 200), field: 'body', message: /body: not valid JSON/ },
    { name: 'an empty body', body: () => '', field: 'body', message: /empty body|AdmissionReview JSON object/ },
    { name: 'a JSON array', body: () => '[1,2,3]', field: 'body', message: /body: expected an AdmissionReview JSON object, got an array/ },
    { name: 'plain text content type', body: () => 'hello', field: 'body', message: /not valid JSON/, headers: { 'content-type': 'text/plain' } },
    { name: 'admission.k8s.io/v1beta1', body: () => sampleWith((r) => (r.apiVersion = 'admission.k8s.io/v1beta1')), field: 'apiVersion', message: /apiVersion: expected "admission.k8s.io\/v1".*got "admission.k8s.io\/v1beta1"/ },
    { name: 'wrong kind', body: () => sampleWith((r) => (r.kind = 'Pod')), field: 'kind', message: /kind: expected "AdmissionReview", got "Pod"/ },
    { name: 'no request', body: () => sampleWith((r) => delete (r as Record<string, unknown>).request), field: 'request', message: /request: expected an object, got nothing/ },
    { name: 'no request.uid', body: () => sampleWith((r) => delete r.request.uid), field: 'request.uid', message: /request\.uid: expected a non-empty string/ },
    { name: 'empty request.uid', body: () => sampleWith((r) => (r.request.uid = '')), field: 'request.uid', message: /request\.uid/ },
    { name: 'object null on CREATE', body: () => sampleWith((r) => (r.request.object = null)), field: 'request.object', message: /request\.object: expected an object for CREATE, got null/ },
    { name: 'object null on UPDATE', body: () => sampleWith((r) => ((r.request.operation = 'UPDATE'), (r.request.object = null))), field: 'request.object', message: /for UPDATE/ },
    { name: 'unknown operation', body: () => sampleWith((r) => (r.request.operation = 'PATCH')), field: 'request.operation', message: /request\.operation: expected CREATE, UPDATE, DELETE, CONNECT, got "PATCH"/ },
    { name: 'resource not an object', body: () => sampleWith((r) => (r.request.resource = 'pods')), field: 'request.resource', message: /request\.resource/ },
    { name: 'kind without version', body: () => sampleWith((r) => (r.request.kind = { group: '', kind: 'Pod' })), field: 'request.kind.version', message: /request\.kind\.version: expected a string/ },
    { name: 'dryRun not a boolean', body: () => sampleWith((r) => (r.request.dryRun = 'yes')), field: 'request.dryRun', message: /request\.dryRun: expected a boolean/ },
    {
      name: '10,000-deep nesting',
      body: () => sampleWith((r) => ((r.request.object as Record<string, unknown>).spec = '@@')).replace('"@@"', '['.repeat(10_000) + ']'.repeat(10_000)),
      field: 'body',
      message: /nested deeper than 1000 levels/,
    },
    { name: 'prototype poisoning', body: () => SAMPLE.replace('"request": {', '"request": {"__proto__": {"x": 1},'), field: 'body', message: /forbidden "__proto__"/ },
  ];

  for (const c of corpus) {
    it(`answers ${c.name} with 400 naming ${c.field}, then serves the next request`, async () => {
      const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: c.body(), headers: c.headers });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/json/);
      const body = res.json() as ErrorBody;
      expect(body.statusCode).toBe(400);
      expect(body.field).toBe(c.field);
      expect(body.message).toMatch(c.message);
      await expectStillServing();
    });
  }

  it('answers an 8 MiB body with 413, then serves the next request', async () => {
    const big = sampleWith((r) => ((r.request.object as Record<string, unknown>).padding = 'x'.repeat(8 * 1024 * 1024)));
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: big });
    expect(res.status).toBe(413);
    const body = res.json() as ErrorBody;
    expect(body.message).toMatch(/larger than the 7 MiB limit/);
    await expectStillServing();
  });

  it('accepts a body just under 7 MiB', async () => {
    const padding = 7 * 1024 * 1024 - SAMPLE.length - 1024;
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: sampleWith((r) => ((r.request.object as Record<string, unknown>).padding = 'x'.repeat(padding))) });
    expect(res.status).toBe(200);
  });

  /**
   * Opens a TLS connection, lets `send` write to it, and resolves with what the server sent once it
   * closes the connection, and after how many ms; fails if the server keeps it open for 15 s.
   */
  function untilServerCloses(send: (socket: TLSSocket) => void): Promise<{ received: string; ms: number }> {
    const { port } = new URL(server.url);
    const started = Date.now();
    return new Promise((resolve, reject) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port), ca: server.ca, servername: 'localhost' }, () => send(socket));
      let received = '';
      socket.on('data', (d: Buffer) => (received += d.toString('utf8')));
      socket.on('close', () => resolve({ received, ms: Date.now() - started }));
      socket.on('error', reject);
      setTimeout(() => {
        socket.destroy();
        reject(new Error('the server kept the connection open for 15 s'));
      }, 15_000).unref();
    });
  }

  it('times out a slow-loris body (408) and keeps serving', async () => {
    const { received, ms } = await untilServerCloses((socket) => {
      socket.write(`POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${SAMPLE.length}\r\n\r\n`);
      socket.write(SAMPLE.slice(0, 100)); // ...and never the rest
    });
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(900);
    await expectStillServing();
  });

  // There is no socket inactivity timeout (app.ts says why): these three show that the request and
  // keep-alive timeouts still close a connection in every phase in which a client can stall.
  it('times out headers that never finish (408)', async () => {
    const { received, ms } = await untilServerCloses((socket) => socket.write('POST /mutate HTTP/1.1\r\nHost: local'));
    expect(received).toMatch(/^HTTP\/1\.1 408/);
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it('closes a connection that never sends a request', async () => {
    const { received, ms } = await untilServerCloses(() => undefined);
    expect(received).toMatch(/^(HTTP\/1\.1 408|$)/);
    expect(ms).toBeGreaterThanOrEqual(900);
  });

  it('closes a keep-alive connection left idle after an answer', async () => {
    const { received, ms } = await untilServerCloses((socket) =>
      socket.write(`POST /mutate HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(SAMPLE)}\r\n\r\n${SAMPLE}`),
    );
    expect(received).toMatch(/^HTTP\/1\.1 200 /);
    expect(received).toMatch(/keep-alive/i);
    expect(ms).toBeGreaterThanOrEqual(KEEP_ALIVE_MS);
  });

  it('counts rejected requests as invalid', async () => {
    expect(await server.registry.metrics()).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="unknown",outcome="invalid"\} [1-9]\d*/);
  });
});
