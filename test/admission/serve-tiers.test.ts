// `sgbridge serve` places a Calico policy's tier by the cluster's Tier objects (SPEC §2 rule 3),
// through its Tier watch against the apiserver double, over real TLS: a pre-existing tier ordered
// 50 (before sgbridge's) takes policies from the Calico operator only; a tier ordered 500 takes
// anyone's; a tier created after start is placed by its watch event; while the watch cannot list
// the tiers, a policy in a tier it cannot place is refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServe, type RunningServe } from '../../src/cli/serve.js';
import { defaultSettings, type Settings } from '../../src/core/settings.js';
import { FILES } from '../../src/tls/local.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { admissionSample } from '../support/fixtures.js';
import { until } from '../support/until.js';
import { clusterDouble, CRD } from '../sync/fixtures.js';
import { httpsCall } from './support/https-client.js';

const silent = pino({ level: 'silent' });
const OPERATOR = { username: 'system:serviceaccount:tigera-operator:tigera-operator', groups: ['system:serviceaccounts', 'system:serviceaccounts:tigera-operator', 'system:authenticated'] };
const DEV = { username: 'dev', groups: ['developers', 'system:authenticated'] };
const ALLOW_ALL = { selector: 'all()', types: ['Ingress', 'Egress'], ingress: [{ action: 'Allow' }], egress: [{ action: 'Allow' }] };

/** The recorded GlobalNetworkPolicy CREATE, as an Allow-all policy `<tier>.allow-all` in `tier`, by `user`. */
function allowAllIn(tier: string, user: typeof DEV): Record<string, unknown> {
  const recorded = JSON.parse(readFileSync(admissionSample('021-validate-globalnetworkpolicies.crd.projectcalico.org-CREATE.json'), 'utf8')) as { request: { object: { metadata: Record<string, unknown> } } & Record<string, unknown> };
  const r = recorded.request;
  const name = `${tier}.allow-all`;
  return { ...r, name, userInfo: user, object: { ...r.object, metadata: { ...r.object.metadata, name, labels: { 'projectcalico.org/tier': tier } }, spec: { ...ALLOW_ALL, tier, order: 10 } } };
}

describe.each([
  ['crd', CRD],
  ['v3', 'projectcalico.org/v3'],
] as const)('sgbridge serve: the Tier watch places policies by their tier order (Calico API %s)', (calico, apiVersion) => {
  let api: ApiServerDouble;
  let dir: string;
  let running: RunningServe | undefined;
  let settings: Settings;
  beforeEach(async () => {
    api = await clusterDouble({ calico });
    api.create({ apiVersion, kind: 'Tier', metadata: { name: 'legacy' }, spec: { order: 50 } });
    api.create({ apiVersion, kind: 'GlobalNetworkPolicy', metadata: { name: 'legacy.existing', labels: { 'projectcalico.org/tier': 'legacy' } }, spec: { tier: 'legacy', order: 1, selector: 'all()', types: ['Ingress'], ingress: [{ action: 'Pass' }] } });
    api.create({ apiVersion, kind: 'Tier', metadata: { name: 'platform' }, spec: { order: 500 } });
    dir = mkdtempSync(join(tmpdir(), 'sgbridge-serve-tiers-'));
    settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0 };
  });
  afterEach(async () => {
    await running?.stop();
    running = undefined;
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const serve = async () => {
    running = await startServe({ settings, logger: silent, registry: new Registry(), kubeConfig: api.kubeConfig(), out: () => undefined });
    return running;
  };

  async function validate(request: Record<string, unknown>): Promise<{ allowed: boolean; message?: string }> {
    const res = await httpsCall(`${running!.url}/validate?timeout=3s`, { ca: readFileSync(join(settings.tlsDir, FILES.ca), 'utf8'), body: JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', request }) });
    expect(res.status).toBe(200);
    const { response } = res.json() as { response: { allowed: boolean; status?: { message?: string } } };
    return { allowed: response.allowed, ...(response.status?.message ? { message: response.status.message } : {}) };
  }

  it('refuses an Allow-all policy in a tier ordered 50 from an untrusted user, allows it from the operator, and allows it in a tier ordered 500', async () => {
    await serve();
    await until(async () => (await validate(allowAllIn('platform', DEV))).allowed, { timeoutMs: 10_000, what: 'the Tier watch listing the tiers' });

    const refused = await validate(allowAllIn('legacy', DEV));
    expect(refused.allowed).toBe(false);
    expect(refused.message).toContain('legacy');
    expect(refused.message).toContain('50');
    expect((await validate(allowAllIn('legacy', OPERATOR))).allowed).toBe(true);
  });

  it('places a tier created after start by its watch event, and refuses a tier it has not seen', async () => {
    await serve();
    await until(async () => (await validate(allowAllIn('platform', DEV))).allowed, { timeoutMs: 10_000, what: 'the Tier watch listing the tiers' });
    const unseen = await validate(allowAllIn('team-a', DEV));
    expect(unseen.allowed).toBe(false);
    expect(unseen.message).toContain('cannot confirm');

    api.create({ apiVersion, kind: 'Tier', metadata: { name: 'team-a' }, spec: { order: 300 } });
    await until(async () => (await validate(allowAllIn('team-a', DEV))).allowed, { timeoutMs: 5_000, what: 'the new tier placed' });
    api.create({ apiVersion, kind: 'Tier', metadata: { name: 'sneaky' }, spec: { order: 10 } });
    // placed (no longer "cannot confirm"), and placed before sgbridge's tiers
    const early = await until(
      async () => {
        const a = await validate(allowAllIn('sneaky', DEV));
        return a.message?.includes('cannot confirm') ? undefined : a;
      },
      { timeoutMs: 5_000, what: 'the early tier placed' },
    );
    expect(early.allowed).toBe(false);
    expect(early.message).toContain('is in tier sneaky');
  });

  it('while the Tier watch cannot list the tiers, a policy in a tier it cannot place is refused', async () => {
    api.failNext({ path: /\/tiers/, status: 500, count: 1_000 });
    await serve();
    const answer = await validate(allowAllIn('platform', DEV));
    expect(answer.allowed).toBe(false);
    expect(answer.message).toContain('cannot confirm');
    api.clearFaults();
  });
});
