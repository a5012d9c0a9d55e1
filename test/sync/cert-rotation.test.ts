// Issue 7: certificates that expire in seconds rotate under load. A client playing the apiserver
// keeps posting AdmissionReviews over real TLS to the real admission server, trusting only the
// caBundle it reads from the webhook configuration (as kube-apiserver does), while the leader's
// cert manager renews the serving certificate and changes the CA, and the server reloads its TLS
// context from the Secret. No request may fail, and during the CA change the caBundle holds both.
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AdmissionApp } from '../../src/admission/app.js';
import { mutateHandler } from '../../src/admission/handlers.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { defaultSettings } from '../../src/core/settings.js';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { CertSecretStore } from '../../src/kube/cert-secret.js';
import { startClusterCertificates, type CertManager } from '../../src/sync/cert-manager.js';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import type { TlsSource } from '../../src/tls/material.js';
import { splitPemCertificates } from '../../src/tls/material.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';
import { admissionSample } from '../support/fixtures.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const SAMPLE = admissionSample('003-mutate-pods-CREATE.json');
const SERVICE_DNS = 'sgbridge.sgbridge-system.svc';
const RUN_MS = 10_000;
// Seconds, not days: serving certificates live 8 s and are renewed with 5 s left; the first CA
// lives 14 s and is replaced with 10 s left (at about 4 s). The margins absorb a busy machine,
// where one round (with its RSA key generation) can take more than a second.
const POLICY = { servingValidityMs: 8_000, servingRenewBeforeMs: 5_000, caValidityMs: 60_000, caRenewBeforeMs: 10_000 };
const CA_FIRST_MS = 14_000;

interface Outcome {
  ok: boolean;
  error?: string;
  servedBy?: string;
  bundleCas: string[];
}

function post(port: number, ca: string, body: string, agent: Agent | false): Promise<{ status: number; text: string; peer: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/mutate?timeout=3s', method: 'POST', servername: SERVICE_DNS, ca, agent, headers: { 'content-type': 'application/json' }, timeout: 3000 },
      (res) => {
        const peer = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString(), peer }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

describe('certificate rotation under load', () => {
  let api: ApiServerDouble;
  let app: AdmissionApp;
  let source: TlsSource;
  let manager: CertManager;
  let port: number;

  beforeAll(async () => {
    api = await startApiServerDouble();
    const settings = defaultSettings();
    const target = { service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443 } };
    // As the chart installs them: no caBundle.
    api.create(buildMutatingWebhookConfiguration({ target, failurePolicy: 'Fail', settings }) as any);
    api.create(buildValidatingWebhookConfiguration({ target, failurePolicy: 'Fail', settings }) as any);
    // A CA that is already in its renewal window a few seconds in, so the CA change happens early.
    const names = { dns: ['sgbridge', 'sgbridge.sgbridge-system', SERVICE_DNS], ips: [] };
    const ca = createCa({ validityMs: CA_FIRST_MS });
    const serving = issueServingCertificate(ca, { ...names, validityMs: POLICY.servingValidityMs });
    await new CertSecretStore(api.kubeConfig(), 'sgbridge-system', 'sgbridge-tls').create({ cert: serving.cert, key: serving.key, ca: ca.cert, caKey: ca.key });
    const started = await startClusterCertificates(api.kubeConfig(), {
      namespace: 'sgbridge-system',
      serviceName: 'sgbridge',
      names,
      isLeader: () => true,
      policy: POLICY,
      intervalMs: 150,
      caPropagationMs: 1_000,
      reloadMs: 100,
    });
    source = started.source;
    manager = started.manager;
    const policy = membershipPolicyFrom(settings, await readInventoryFile(EXAMPLE_INVENTORY));
    app = await buildApp({ tls: source, logger: pino({ level: 'silent' }), registry: new Registry(), handlers: { '/mutate': mutateHandler(() => policy) } });
    await app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.server.address() as { port: number }).port;
  });

  afterAll(async () => {
    await manager?.stop();
    await app?.close();
    source?.close();
    await api?.close();
  });

  it('serves every request through serving-certificate renewals and a CA change', async () => {
    const body = readFileSync(SAMPLE, 'utf8');
    const uid = JSON.parse(body).request.uid as string;
    const bundleNow = () => Buffer.from((api.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'sgbridge') as any).webhooks[0].clientConfig.caBundle ?? '', 'base64').toString();

    const outcomes: Outcome[] = [];
    const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });
    const client = async (agent: Agent | false) => {
      const end = Date.now() + RUN_MS;
      while (Date.now() < end) {
        const bundle = bundleNow();
        const bundleCas = splitPemCertificates(bundle).map((p) => new X509Certificate(p).fingerprint256);
        try {
          const r = await post(port, bundle, body, agent);
          const review = JSON.parse(r.text);
          const ok = r.status === 200 && review.response?.uid === uid && review.response?.allowed === true;
          outcomes.push({ ok, servedBy: r.peer, bundleCas, ...(ok ? {} : { error: `HTTP ${r.status}: ${r.text.slice(0, 200)}` }) });
        } catch (e) {
          outcomes.push({ ok: false, error: (e as Error).message, bundleCas });
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    // Wait for the leader's first injection, as the apiserver would have no caBundle before it.
    await until(() => bundleNow() !== '', { timeoutMs: 5_000, everyMs: 50, what: "the leader's first caBundle injection" });
    await Promise.all([client(false), client(false), client(keepAlive)]);
    keepAlive.destroy();

    const failures = outcomes.filter((o) => !o.ok);
    expect(failures.map((f) => f.error)).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(50);

    // The serving certificate changed several times, and the CA changed once.
    const served = new Set(outcomes.map((o) => o.servedBy));
    expect(served.size).toBeGreaterThanOrEqual(3);
    const signingCas = new Set(outcomes.map((o) => o.bundleCas[0]));
    expect(signingCas.size).toBeGreaterThanOrEqual(2);
    // During the overlap the caBundle held both CAs, old and new.
    const overlap = outcomes.filter((o) => o.bundleCas.length === 2);
    expect(overlap.length).toBeGreaterThan(0);
    const [newCa, oldCa] = overlap[0]!.bundleCas;
    expect(signingCas.has(oldCa)).toBe(true);
    expect(newCa).not.toBe(oldCa);
    // Every webhook in both configurations got the same bundle.
    const all = (['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const).flatMap((k) =>
      (api.get('admissionregistration.k8s.io/v1', k, 'sgbridge') as any).webhooks.map((w: any) => w.clientConfig.caBundle),
    );
    expect(new Set(all).size).toBe(1);
  }, 30_000);
});
