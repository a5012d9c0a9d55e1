import { X509Certificate } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { resolveSettings } from '../../src/core/settings.js';
import { CertSecretStore } from '../../src/kube/cert-secret.js';
import { WebhookCaBundleInjector } from '../../src/kube/webhook-cabundle.js';
import { bootstrapCertificates, createCertManager, startClusterCertificates, type CertManagerDeps } from '../../src/sync/cert-manager.js';
import { splitPemCertificates } from '../../src/tls/material.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const DAY = 86_400_000;
const settings = resolveSettings({ flags: {}, env: {} });
const target = { service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443 } };
/** Every webhook of both configurations: each must carry the bundle. */
const WEBHOOKS = [buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration].reduce((n, build) => n + (build({ target, failurePolicy: 'Ignore', settings }) as any).webhooks.length, 0);
const names = { dns: ['sgbridge', 'sgbridge.sgbridge-system', 'sgbridge.sgbridge-system.svc'], ips: [] };

describe('cert manager against the apiserver double', () => {
  let api: ApiServerDouble;
  let clock: number;
  let leader: boolean;
  let deps: CertManagerDeps;

  beforeEach(async () => {
    api = await startApiServerDouble();
    api.create(buildMutatingWebhookConfiguration({ target, failurePolicy: 'Ignore', settings }) as any);
    api.create(buildValidatingWebhookConfiguration({ target, failurePolicy: 'Ignore', settings }) as any);
    clock = Date.parse('2026-11-26T12:00:00Z');
    leader = true;
    const kc = api.kubeConfig();
    deps = {
      secret: new CertSecretStore(kc, 'sgbridge-system', 'sgbridge-tls'),
      webhooks: new WebhookCaBundleInjector(kc, 'sgbridge'),
      isLeader: () => leader,
      names,
      now: () => new Date(clock),
      caPropagationMs: 60_000,
    };
  });
  afterEach(async () => api.close());

  const secret = () => api.get('v1', 'Secret', 'sgbridge-tls', 'sgbridge-system') as any;
  const pem = (key: string) => Buffer.from(secret().data[key], 'base64').toString();
  const bundles = () =>
    (['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration'] as const).flatMap((k) =>
      (api.get('admissionregistration.k8s.io/v1', k, 'sgbridge') as any).webhooks.map((w: any) => w.clientConfig.caBundle),
    );

  it('does nothing while not the leader', async () => {
    leader = false;
    const m = createCertManager(deps);
    expect(await m.runOnce()).toEqual({ action: 'not-leader', patched: [] });
    expect(api.writes()).toEqual([]);
  });

  it('any replica can bootstrap the Secret; the first create wins', async () => {
    expect(await bootstrapCertificates(deps)).toBe('created');
    const first = secret().data['tls.crt'];
    expect(await bootstrapCertificates(deps)).toBe('exists');
    expect(secret().data['tls.crt']).toBe(first);
  });

  it('the leader makes the Secret, injects the caBundle everywhere, then makes no writes', async () => {
    const m = createCertManager(deps);
    const r = await m.runOnce();
    expect(r.patched).toEqual(['MutatingWebhookConfiguration/sgbridge', 'ValidatingWebhookConfiguration/sgbridge']);
    const ca = pem('ca.crt');
    expect(bundles()).toEqual(Array(WEBHOOKS).fill(Buffer.from(ca).toString('base64')));
    expect(new X509Certificate(pem('tls.crt')).subjectAltName).toBe('DNS:sgbridge, DNS:sgbridge.sgbridge-system, DNS:sgbridge.sgbridge-system.svc');
    api.clearRequests();
    expect(await m.runOnce()).toEqual({ action: 'none', reason: undefined, patched: [] });
    expect(api.writes()).toEqual([]);
  });

  it('puts a drifted caBundle back', async () => {
    const m = createCertManager(deps);
    await m.runOnce();
    api.patch({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration', name: 'sgbridge' } as any, [{ op: 'remove', path: '/webhooks/0/clientConfig/caBundle' }] as any);
    expect((await m.runOnce()).patched).toEqual(['MutatingWebhookConfiguration/sgbridge']);
    expect(new Set(bundles()).size).toBe(1);
  });

  it('renews the serving certificate 30 days before expiry, after the bundle has been published a while', async () => {
    const m = createCertManager(deps);
    await m.runOnce();
    const before = pem('tls.crt');
    clock += 334 * DAY;
    expect((await m.runOnce()).action).toBe('none');
    clock += 2 * DAY; // 29 days left
    expect(await m.runOnce()).toMatchObject({ action: 'new-serving' });
    expect(pem('tls.crt')).not.toBe(before);
    expect(await m.runOnce()).toMatchObject({ action: 'none' });
  });

  it('changes the CA a year before it expires: both CAs in every caBundle, new serving cert only after propagation', async () => {
    const m = createCertManager(deps);
    await m.runOnce();
    const oldCa = pem('ca.crt');
    // Keep the serving certificate fresh until the CA's last year.
    for (let day = 300; day < 3650 - 365; day += 300) {
      clock = Date.parse('2026-11-26T12:00:00Z') + day * DAY;
      await m.runOnce();
      clock += 61_000;
      await m.runOnce();
    }
    clock = Date.parse('2026-11-26T12:00:00Z') + (3650 - 364) * DAY;
    const servingBefore = pem('tls.crt');
    const r = await m.runOnce();
    expect(r.action).toBe('new-ca');
    const bundle = pem('ca.crt');
    const cas = splitPemCertificates(bundle);
    expect(cas).toHaveLength(2);
    expect(cas[1]).toBe(splitPemCertificates(oldCa)[0]);
    expect(bundles()).toEqual(Array(WEBHOOKS).fill(Buffer.from(bundle).toString('base64')));
    expect(pem('tls.crt')).toBe(servingBefore); // not yet: the apiserver may not trust the new CA

    clock += 10_000;
    expect((await m.runOnce()).action).toBe('waiting');
    clock += 60_000;
    expect((await m.runOnce()).action).toBe('new-serving');
    expect(new X509Certificate(pem('tls.crt')).verify(new X509Certificate(cas[0]!).publicKey)).toBe(true);
    expect(splitPemCertificates(pem('ca.crt'))).toHaveLength(2); // overlap continues until the old CA expires
  });

  it('a deleted Secret is remade with a new CA, keeping the CA the webhooks trust in the bundle', async () => {
    const m = createCertManager(deps);
    await m.runOnce();
    const oldCa = pem('ca.crt');
    api.remove('v1', 'Secret', 'sgbridge-tls', 'sgbridge-system');
    await m.runOnce();
    const cas = splitPemCertificates(pem('ca.crt'));
    expect(cas).toHaveLength(2);
    expect(cas[1]).toBe(splitPemCertificates(oldCa)[0]);
    expect(new X509Certificate(pem('tls.crt')).verify(new X509Certificate(cas[0]!).publicKey)).toBe(true);
    expect(bundles()).toEqual(Array(WEBHOOKS).fill(Buffer.from(pem('ca.crt')).toString('base64')));
  });

  it('leaves a Secret that changed meanwhile alone (another leader wrote it)', async () => {
    const m = createCertManager(deps);
    await m.runOnce();
    clock += 340 * DAY;
    api.failNext({ method: 'PUT', path: '/api/v1/namespaces/sgbridge-system/secrets/sgbridge-tls', status: 409 });
    clock += 61_000;
    expect((await m.runOnce()).action).toBe('conflict');
  });

  it('startClusterCertificates: every replica serves from the Secret; only once it leads does it inject', async () => {
    const certs = await startClusterCertificates(api.kubeConfig(), { namespace: 'sgbridge-system', serviceName: 'sgbridge', names, intervalMs: 50, reloadMs: 50 });
    try {
      expect(certs.source.current().cert).toBe(pem('tls.crt'));
      await new Promise((r) => setTimeout(r, 300));
      expect(bundles().every((b: unknown) => b === undefined)).toBe(true);
      certs.setLeader(() => true);
      for (let i = 0; i < 100 && bundles().some((b: unknown) => b === undefined); i++) await new Promise((r) => setTimeout(r, 50));
      expect(bundles()).toEqual(Array(WEBHOOKS).fill(Buffer.from(pem('ca.crt')).toString('base64')));
    } finally {
      await certs.stop();
    }
  });
});
