import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { resolveSettings } from '../../src/core/settings.js';
import { WebhookCaBundleInjector } from '../../src/kube/webhook-cabundle.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const settings = resolveSettings({ flags: {}, env: {} });
const target = { service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443 } };
const mwc = buildMutatingWebhookConfiguration({ target, failurePolicy: 'Ignore', settings });
const vwc = buildValidatingWebhookConfiguration({ target, failurePolicy: 'Ignore', settings });
const bundleA = Buffer.from('-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n').toString('base64');
const bundleB = Buffer.from('-----BEGIN CERTIFICATE-----\nB\n-----END CERTIFICATE-----\n').toString('base64');

describe('WebhookCaBundleInjector against the apiserver double', () => {
  let api: ApiServerDouble;
  beforeAll(async () => {
    api = await startApiServerDouble();
  });
  afterAll(async () => api.close());

  it('says what is missing when the configurations are not installed', async () => {
    const injector = new WebhookCaBundleInjector(api.kubeConfig(), 'sgbridge');
    expect(await injector.inject(bundleA)).toEqual({ patched: [], current: [], missing: ['MutatingWebhookConfiguration/sgbridge', 'ValidatingWebhookConfiguration/sgbridge'] });
  });

  it('injects into every webhook, touches nothing else, does nothing when current, and repairs drift', async () => {
    api.create(structuredClone(mwc) as any);
    api.create(structuredClone(vwc) as any);
    const injector = new WebhookCaBundleInjector(api.kubeConfig(), 'sgbridge');
    expect((await injector.inject(bundleA)).patched).toEqual(['MutatingWebhookConfiguration/sgbridge', 'ValidatingWebhookConfiguration/sgbridge']);
    const stored: any = api.get('admissionregistration.k8s.io/v1', 'ValidatingWebhookConfiguration', 'sgbridge');
    expect(stored.webhooks).toHaveLength((vwc as any).webhooks.length);
    for (const [i, w] of stored.webhooks.entries()) {
      expect(w.clientConfig).toEqual({ ...(vwc as any).webhooks[i].clientConfig, caBundle: bundleA });
      expect(w.rules).toEqual((vwc as any).webhooks[i].rules);
    }
    const patches = api.writes().filter((r) => r.method === 'PATCH');
    expect(patches.every((r) => r.contentType?.startsWith('application/json-patch+json'))).toBe(true);

    api.clearRequests();
    expect(await injector.inject(bundleA)).toEqual({ patched: [], current: ['MutatingWebhookConfiguration/sgbridge', 'ValidatingWebhookConfiguration/sgbridge'], missing: [] });
    expect(api.writes()).toEqual([]);

    // Someone (an old chart, a hand edit) puts another bundle in one webhook: it is put back.
    api.patch({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'sgbridge' } as any, [
      { op: 'replace', path: '/webhooks/1/clientConfig/caBundle', value: bundleB },
    ] as any);
    expect((await injector.inject(bundleA)).patched).toEqual(['ValidatingWebhookConfiguration/sgbridge']);
    const states = await injector.read();
    expect(states.flatMap((s) => s.webhooks!.map((w) => w.caBundle))).toEqual(Array(1 + (vwc as any).webhooks.length).fill(bundleA));
  });
});
