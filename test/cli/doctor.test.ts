// sgbridge doctor end to end: inventory file + the kube-apiserver test double, through
// @kubernetes/client-node, as an operator (admin) would run it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDoctor, doctor } from '../../src/cli/doctor.js';
import { EXAMPLE_INVENTORY, readInventoryFile } from '../../src/aws/inventory-file.js';
import { defaultSettings } from '../../src/core/settings.js';
import { translate } from '../../src/core/translate/index.js';
import { buildMutatingWebhookConfiguration, buildValidatingWebhookConfiguration } from '../../src/core/registration/index.js';
import { createCa, issueServingCertificate } from '../../src/tls/ca.js';
import { startApiServerDouble, type ApiServerDouble } from '../support/apiserver-double.js';
import { runCli } from '../support/cli.js';

const NOW = new Date();
let api: ApiServerDouble;
const ca = createCa();
const serving = issueServingCertificate(ca, { dns: ['sgbridge.sgbridge-system.svc'], ips: [] });
const b64 = (s: string) => Buffer.from(s).toString('base64');

beforeAll(async () => {
  api = await startApiServerDouble();
  const inventory = await readInventoryFile(EXAMPLE_INVENTORY);
  for (const n of inventory.nodes!) {
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: n.name }, spec: { providerID: `aws:///us-east-1a/${n.instanceId}` }, status: { addresses: n.addresses.map((address) => ({ type: 'InternalIP', address })) } });
  }
  for (const o of translate(inventory, { nodes: inventory.nodes! }, defaultSettings()).objects) api.create(structuredClone(o) as unknown as Record<string, unknown>);
  const opts = { target: { service: { namespace: 'sgbridge-system', name: 'sgbridge', port: 443 } }, caBundle: b64(ca.cert), failurePolicy: 'Ignore' as const, settings: defaultSettings() };
  api.create(buildMutatingWebhookConfiguration(opts));
  api.create(buildValidatingWebhookConfiguration(opts));
  api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'sgbridge-system' } });
  api.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sgbridge-tls', namespace: 'sgbridge-system' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64(serving.cert), 'tls.key': b64(serving.key), 'ca.crt': b64(ca.cert) } });
  api.create({
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: { name: 'sgbridge-syncer', namespace: 'sgbridge-system', annotations: { 'sgbridge.io/last-successful-sync': new Date(NOW.getTime() - 5000).toISOString() } },
    spec: { holderIdentity: 'sgbridge-5f7c9-x2x9q', leaseDurationSeconds: 15, renewTime: new Date(NOW.getTime() - 2000).toISOString() },
  });
});
afterAll(() => api?.close());

const cli = (args: string[]) => runCli(registerDoctor, ['doctor', ...args]);

describe('sgbridge doctor against a cluster', () => {
  it('a healthy cluster: every check passes, including webhooks, caBundle, certificates, Lease and last sync', async () => {
    const run = await doctor(defaultSettings(), api.kubeConfig('admin'));
    const checks = (run.json as { checks: { name: string; ok: boolean; detail: string }[] }).checks;
    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(expect.arrayContaining(['host endpoint for every VPC member', 'webhooks registered', 'webhook caBundle matches the serving certificate', 'serving certificate expiry', 'sync leader (Lease)', 'last successful sync']));
    expect(checks.find((c) => c.name === 'sync leader (Lease)')!.detail).toContain('sgbridge-5f7c9-x2x9q');
    expect(checks.find((c) => c.name === 'webhook caBundle matches the serving certificate')!.detail).toContain('Secret sgbridge-system/sgbridge-tls');
  });

  it('a host endpoint deleted behind its back and a foreign caBundle: reported, exit status 1, JSON form', async () => {
    api.remove('crd.projectcalico.org/v1', 'HostEndpoint', 'vpc.eni-0123456789abcdef0');
    const mutating = api.get('admissionregistration.k8s.io/v1', 'MutatingWebhookConfiguration', 'sgbridge') as { webhooks: { clientConfig: { caBundle: string } }[] };
    mutating.webhooks[0]!.clientConfig.caBundle = b64(createCa().cert);
    api.replace(mutating as unknown as Record<string, unknown>);
    // The command finds the cluster the standard way: KUBECONFIG.
    const dir = mkdtempSync(join(tmpdir(), 'sgbridge-doctor-'));
    writeFileSync(join(dir, 'kubeconfig'), api.kubeConfig('admin').exportConfig());
    vi.stubEnv('KUBECONFIG', join(dir, 'kubeconfig'));
    const { out, exitCode } = await cli(['--output', 'json']).finally(() => vi.unstubAllEnvs());
    expect(exitCode).toBe(1);
    const { checks } = JSON.parse(out) as { checks: { name: string; ok: boolean; detail: string; fix: string }[] };
    for (const c of checks) expect(Object.keys(c)).toEqual(['name', 'ok', 'detail', 'fix']);
    const failed = checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.name)).toEqual(['host endpoint for every VPC member: eni-0123456789abcdef0', 'webhook caBundle matches the serving certificate']);
    expect(failed[1]!.detail).toMatch(/pods\.mutate\.sgbridge\.io .*caBundle holds no CA that signed the serving certificate/);
  });

  it('without a cluster: inventory checks only, cluster checks said to be skipped, exit status 0', async () => {
    const { out, exitCode } = await cli(['--no-cluster']);
    expect(exitCode).toBe(0);
    expect(out).toMatch(/PASS {2}cluster checks: skipped: no cluster reachable/);
    expect(out).toMatch(/all \d+ checks passed/);
  });

  it('an unreachable cluster: each read is reported as a failed check, never a crash', async () => {
    const kc = api.kubeConfig('admin');
    kc.clusters[0] = { ...kc.clusters[0]!, server: 'http://127.0.0.1:9' };
    const run = await doctor(defaultSettings(), kc);
    const failed = (run.json as { checks: { name: string; ok: boolean }[] }).checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toEqual(expect.arrayContaining(['cluster nodes', 'Calico objects in the cluster', 'webhooks registered', 'sync leader (Lease)']));
  });
});
