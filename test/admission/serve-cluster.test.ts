// `sgbridge serve` in a cluster (the apiserver double): the syncer runs under leader election and
// converges the Calico objects, the webhooks serve the certificate sgbridge keeps in its Secret,
// and stopping releases the Lease.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_REVIEW, startServe, syncerParts, type RunningServe } from '../../src/cli/serve.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { clusterDouble } from '../sync/fixtures.js';
import { httpsCall } from './support/https-client.js';
import { until } from '../support/until.js';

const silent = pino({ level: 'silent' });

describe('sgbridge serve with a cluster', () => {
  let api: ApiServerDouble;
  let dir: string;
  let running: RunningServe | undefined;
  let settings: Settings;
  beforeEach(async () => {
    api = await clusterDouble();
    dir = mkdtempSync(join(tmpdir(), 'sgbridge-serve-cluster-'));
    settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0, tlsSecret: true, serviceName: 'sgbridge' };
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('syncs as leader, serves the Secret certificate, and releases the Lease on stop', async () => {
    running = await startServe({ settings, logger: silent, registry: new Registry(), kubeConfig: api.kubeConfig(), clusterParts: syncerParts, out: () => undefined });

    const tier = await until(() => api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local'), { timeoutMs: 15_000, everyMs: 100, what: 'the sg-local tier' });
    expect(tier).toMatchObject({ spec: { order: 106, defaultAction: 'Deny' } });
    await until(() => api.get('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'sg-local.sg-98765432109876'), { timeoutMs: 15_000, everyMs: 100, what: 'the local policy of pod-sg' });
    const lease = await until(() => api.get('coordination.k8s.io/v1', 'Lease', 'sgbridge-syncer', 'sgbridge-system'), { timeoutMs: 15_000, everyMs: 100, what: 'the Lease' });
    expect((lease as { spec: { holderIdentity?: string } }).spec.holderIdentity).toBeTruthy();

    const secret = api.get('v1', 'Secret', 'sgbridge-tls', 'sgbridge-system') as { data: Record<string, string> } | undefined;
    expect(secret).toBeDefined();
    const ca = Buffer.from(secret!.data['ca.crt']!, 'base64').toString('utf8');
    const res = await httpsCall(`${running.url}/mutate`, { ca, body: readFileSync(EXAMPLE_REVIEW) });
    expect((res.json() as { response: { allowed: boolean } }).response.allowed).toBe(true);

    await running.stop();
    running = undefined;
    const released = api.get('coordination.k8s.io/v1', 'Lease', 'sgbridge-syncer', 'sgbridge-system') as { spec: { holderIdentity?: string | null } };
    expect(released.spec.holderIdentity ?? '').toBe('');
  });
});
