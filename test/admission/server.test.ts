// The admission server's own behaviour: health, readiness, metrics, TLS version and hot reload,
// denials (status, log line), handler failures, the ?timeout= query and graceful shutdown.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AdmissionRequest, Decision } from '../../src/core/admission-types.js';
import type { HandlerContext } from '../../src/admission/app.js';
import { startTestServer, type TestServer } from './support/server.js';
import { httpsCall } from './support/https-client.js';
import { makeTestMaterial } from './support/tls-fixture.js';
import { ADMISSION_SAMPLES } from '../support/fixtures.js';

const SAMPLES = ADMISSION_SAMPLES;
const sample = (file: string) => readFileSync(join(SAMPLES, file), 'utf8');
const POD_CREATE = sample('001-mutate-pods-CREATE.json');

function withAnnotation(value: string, file = '003-mutate-pods-CREATE.json'): string {
  const review = JSON.parse(sample(file)) as { request: { object: { metadata: { annotations?: Record<string, string> } } } };
  review.request.object.metadata.annotations = { ...(review.request.object.metadata.annotations ?? {}), 'aws.tigera.io/security-groups': value };
  return JSON.stringify(review);
}

interface ReviewBody {
  response: { uid: string; allowed: boolean; status?: { code: number; reason: string; message: string }; patch?: string; warnings?: string[] };
}

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('health, readiness and metrics', () => {
  it('answers /healthz, /readyz and /metrics', async () => {
    let ready = false;
    server = await startTestServer({ readiness: () => (ready ? { ready: true } : { ready: false, reason: 'inventory not loaded yet' }) });
    const get = (path: string) => httpsCall(`${server!.url}${path}`, { ca: server!.ca, method: 'GET' });
    const health = await get('/healthz');
    expect(health.headers['content-type']).toMatch(/application\/json/);
    expect(health.json()).toEqual({ status: 'ok' });
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(notReady.json()).toEqual({ status: 'not ready', reason: 'inventory not loaded yet' });
    ready = true;
    expect((await get('/readyz')).status).toBe(200);

    await httpsCall(`${server.url}/mutate?timeout=10s`, { ca: server.ca, body: POD_CREATE });
    const metrics = await get('/metrics');
    expect(metrics.headers['content-type']).toMatch(/text\/plain/);
    expect(metrics.text).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="CREATE",outcome="patched"\} 1/);
    expect(metrics.text).toMatch(/sgbridge_admission_duration_seconds_bucket\{le="0.001",webhook="mutate"\}/);
    expect(metrics.text).toMatch(/sgbridge_admission_duration_seconds_bucket\{le="10",webhook="mutate"\} 1/);
    const expiry = /sgbridge_certificate_expiry_timestamp_seconds\{certificate="serving"\} (\d+)/.exec(metrics.text);
    expect(Number(expiry?.[1])).toBeGreaterThan(Date.now() / 1000 + 29 * 86400);
    expect(metrics.text).toMatch(/sgbridge_certificate_expiry_timestamp_seconds\{certificate="ca"\} \d+/);
  });

  it('answers /mutate with the review of the request', async () => {
    server = await startTestServer();
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    const body = res.json() as ReviewBody;
    expect(body.response.uid).toBe((JSON.parse(POD_CREATE) as { request: { uid: string } }).request.uid);
    expect(body.response.allowed).toBe(true);
  });
});

describe('TLS', () => {
  it('refuses TLS 1.1 and serves TLS 1.2 and 1.3', async () => {
    server = await startTestServer();
    await expect(httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET', maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toThrow();
    const v12 = await httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET', maxVersion: 'TLSv1.2' });
    expect(v12.protocol).toBe('TLSv1.2');
    const v13 = await httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET' });
    expect(v13.protocol).toBe('TLSv1.3');
  });

  it('serves a new certificate after the TLS source changes, without a restart', async () => {
    server = await startTestServer();
    const before = await httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET' });
    const next = makeTestMaterial(90, 'sgbridge-renewed');
    server.tls.set(next);
    const after = await httpsCall(`${server.url}/healthz`, { ca: next.ca, method: 'GET' });
    expect(after.status).toBe(200);
    expect(after.peer.fingerprint256).not.toBe(before.peer.fingerprint256);
    expect(after.peer.subject.CN).toBe('sgbridge-renewed');
    // The old CA no longer verifies the new certificate.
    await expect(httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET' })).rejects.toThrow();
    const metrics = await server.registry.metrics();
    const expiry = /sgbridge_certificate_expiry_timestamp_seconds\{certificate="serving"\} (\d+)/.exec(metrics);
    expect(Number(expiry?.[1])).toBeGreaterThan(Date.now() / 1000 + 89 * 86400);
  });

  it('keeps serving the old certificate when the new material is broken', async () => {
    server = await startTestServer();
    server.tls.set({ cert: 'not a certificate', key: 'not a key', ca: 'x' });
    const res = await httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET' });
    expect(res.status).toBe(200);
    expect(server.logs.some((l) => String(l.msg).includes('still serving the previous certificate'))).toBe(true);
  });

  it('unsubscribes from the TLS source on close', async () => {
    server = await startTestServer();
    expect(server.tls.subscribers).toBe(1);
    await server.close();
    expect(server.tls.subscribers).toBe(0);
    server = undefined;
  });
});

describe('decisions on the wire', () => {
  it('denies an internal group with 403 Forbidden and logs one line with uid, user, resource and reason', async () => {
    server = await startTestServer();
    const body = withAnnotation('["sg-0f1e2d3c4b5a69788"]'); // tigera-trust-host-enforcement
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body });
    const review = res.json() as ReviewBody;
    expect(review.response.allowed).toBe(false);
    expect(review.response.status).toEqual({ code: 403, reason: 'Forbidden', message: expect.stringMatching(/sg-0f1e2d3c4b5a69788 is internal to the integration/) as unknown });
    expect(review.response.patch).toBeUndefined();
    const denials = server.logs.filter((l) => l.msg === 'admission denied');
    expect(denials).toHaveLength(1);
    const uid = (JSON.parse(body) as { request: { uid: string } }).request.uid;
    expect(denials[0]).toMatchObject({ uid, user: 'dev', resource: 'v1/pods integration-demo/standalone', operation: 'CREATE', webhook: 'mutate' });
    expect(String(denials[0]!.reason)).toMatch(/internal to the integration/);
  });

  it('denies a malformed annotation naming it, quoting the token and showing an example', async () => {
    server = await startTestServer();
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: withAnnotation('["sg-12345678901234", "web-sg"]') });
    const review = res.json() as ReviewBody;
    expect(review.response.allowed).toBe(false);
    expect(review.response.status?.message).toMatch(/aws\.tigera\.io\/security-groups.*"web-sg".*e\.g\. aws\.tigera\.io\/security-groups='\["sg-0123456789abcdef0"\]'/);
  });

  it('warns about a group the inventory does not know', async () => {
    server = await startTestServer();
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: withAnnotation('["sg-0123456789abcdef0"]') });
    const review = res.json() as ReviewBody;
    expect(review.response.allowed).toBe(true);
    expect(review.response.warnings).toEqual([expect.stringMatching(/sg-0123456789abcdef0 is not a security group sgbridge knows/)]);
    expect(review.response.patch).toBeDefined();
  });

  it('answers 500 with a JSON error when a handler throws, and counts it', async () => {
    server = await startTestServer({ handlers: { '/mutate': () => Promise.reject(new Error('boom')) } });
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
    expect(res.status).toBe(500);
    expect((res.json() as { message: string }).message).toMatch(/could not decide.*boom/);
    expect(await server.registry.metrics()).toMatch(/sgbridge_admission_requests_total\{webhook="mutate",operation="CREATE",outcome="error"\} 1/);
  });

  it('answers 500 when a handler throws synchronously, and keeps serving', async () => {
    server = await startTestServer({
      handlers: {
        '/mutate': () => {
          throw new Error('sync boom');
        },
      },
    });
    const res = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
    expect(res.status).toBe(500);
    expect((res.json() as { message: string }).message).toMatch(/could not decide.*sync boom/);
    const again = await httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
    expect(again.status).toBe(500);
    expect((again.json() as { message: string }).message).toMatch(/sync boom/);
    expect(server.logs.filter((l) => l.msg === 'admission handler failed')).toHaveLength(2);
  });

  it('hands the apiserver timeout (?timeout=Ns) to the handler', async () => {
    const seen: (number | undefined)[] = [];
    const handler = (_r: AdmissionRequest, ctx: HandlerContext): Decision => {
      seen.push(ctx.timeoutMs);
      return { allowed: true };
    };
    server = await startTestServer({ handlers: { '/validate': handler } });
    await httpsCall(`${server.url}/validate?timeout=3s`, { ca: server.ca, body: POD_CREATE });
    await httpsCall(`${server.url}/validate`, { ca: server.ca, body: POD_CREATE });
    expect(seen).toEqual([3000, undefined]);
  });

  it('answers unknown paths with 404', async () => {
    server = await startTestServer();
    const res = await httpsCall(`${server.url}/validate`, { ca: server.ca, body: POD_CREATE });
    expect(res.status).toBe(404);
  });
});

describe('graceful shutdown', () => {
  it('drains an in-flight request before closing, and refuses new work meanwhile', async () => {
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const inHandler = new Promise<void>((r) => (entered = r));
    const handler = async (): Promise<Decision> => {
      entered();
      await new Promise<void>((r) => (release = r));
      return { allowed: true };
    };
    server = await startTestServer({ handlers: { '/mutate': handler } });
    const inFlight = httpsCall(`${server.url}/mutate`, { ca: server.ca, body: POD_CREATE });
    await inHandler;
    let closed = false;
    const closing = server.app.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 200));
    expect(closed).toBe(false);
    // A new connection is refused while draining.
    await expect(httpsCall(`${server.url}/healthz`, { ca: server.ca, method: 'GET' })).rejects.toThrow();
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect((res.json() as ReviewBody).response.allowed).toBe(true);
    await closing;
    expect(closed).toBe(true);
    server = undefined;
  });
});
