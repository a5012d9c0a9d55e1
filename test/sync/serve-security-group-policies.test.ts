// Issue 22's "live, unlike the original", against the apiserver double (AWS's CRD schema
// validating every policy): `serve` with the setting securityGroupPolicies and a resync interval
// far longer than the test, so only watch events can move labels. Running pods are relabelled when
// a policy is created, changed or deleted, when their ServiceAccount's labels change and when
// their own labels change.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServe, syncerParts, type RunningServe } from '../../src/cli/serve.js';
import { defaultSettings } from '../../src/core/settings.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { serviceAccount, sgpClusterDouble } from '../support/sgp-cluster.js';
import { until } from '../support/until.js';
import { sgp } from '../core/security-group-policy/builders.js';
import { quietLog } from './fixtures.js';

const NS = 'integration-demo';
const SGP = 'vpcresources.k8s.aws/v1beta1';
const DB_SG = 'sg-0d8b7c6a5e4f30211';
const POD_SG = 'sg-98765432109876';
const POD_DEFAULT = 'sg-0a9b8c7d6e5f40312';

let api: ApiServerDouble;
let dir: string;
let running: RunningServe | undefined;
beforeEach(async () => {
  api = await sgpClusterDouble();
  dir = mkdtempSync(join(tmpdir(), 'sgbridge-sgp-live-'));
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  await api.close();
  rmSync(dir, { recursive: true, force: true });
});

type Meta = { metadata: Record<string, unknown> & { labels?: Record<string, string> } };
const pod = (name: string) => api.get('v1', 'Pod', name, NS) as (Meta & { spec: unknown }) | undefined;
const groupsOf = (name: string) =>
  Object.keys(pod(name)?.metadata.labels ?? {})
    .filter((k) => k.startsWith('sg.aws.tigera.io/'))
    .map((k) => k.slice('sg.aws.tigera.io/'.length))
    .sort();
const storePod = (name: string, labels: Record<string, string>, serviceAccountName = 'default') =>
  api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels }, spec: { serviceAccountName, nodeName: 'ip-10-0-1-10.ec2.internal', containers: [{ name: 'c', image: 'nginx' }] } });
const relabelPod = (name: string, labels: Record<string, string>) => {
  const p = pod(name)!;
  api.replace({ ...p, metadata: { ...p.metadata, labels } } as never);
};
const waitFor = (name: string, want: string[], what: string) => until(() => JSON.stringify(groupsOf(name)) === JSON.stringify([...want].sort()), { timeoutMs: 10_000, everyMs: 50, what });

describe('live membership from SecurityGroupPolicies (serve, setting on)', () => {
  it('relabels running pods when policies, ServiceAccount labels or pod labels change, and removes a deleted policy’s groups', async () => {
    api.create(serviceAccount(NS, 'default'));
    api.create(serviceAccount(NS, 'payer'));
    storePod('web', { app: 'web' });
    storePod('pay', { app: 'pay' }, 'payer');
    const settings = { ...defaultSettings(), tlsDir: join(dir, 'certs'), port: 0, resyncInterval: 3600, securityGroupPolicies: true };
    running = await startServe({ settings, logger: quietLog, registry: new Registry(), kubeConfig: api.kubeConfig(), clusterParts: syncerParts, out: () => undefined });
    await until(() => api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local'), { timeoutMs: 10_000, what: 'the first round' });
    await until(() => groupsOf('web').includes(POD_DEFAULT) && groupsOf('pay').includes(POD_DEFAULT), { timeoutMs: 10_000, what: 'the first relabel' });
    expect(groupsOf('web')).toEqual(groupsOf('pay'));
    expect(groupsOf('web')).not.toContain(DB_SG);

    // a new policy selecting app=web
    api.create(sgp('web', NS, { podSelector: { matchLabels: { app: 'web' } }, groupIds: [DB_SG] }));
    await waitFor('web', [DB_SG, POD_DEFAULT], 'the new policy to relabel the web pod');
    expect(groupsOf('pay')).not.toContain(DB_SG);

    // the policy changes its groups
    const policy = api.get(SGP, 'SecurityGroupPolicy', 'web', NS) as Meta;
    api.replace({ ...policy, spec: { podSelector: { matchLabels: { app: 'web' } }, securityGroups: { groupIds: [POD_SG] } } } as never);
    await waitFor('web', [POD_SG, POD_DEFAULT], 'the changed policy to relabel the web pod');

    // the pod's own labels change: it leaves the policy, then comes back
    relabelPod('web', { ...pod('web')!.metadata.labels, app: 'other' });
    await until(() => !groupsOf('web').includes(POD_SG), { timeoutMs: 10_000, what: 'the pod leaving the policy' });
    relabelPod('web', { ...pod('web')!.metadata.labels, app: 'web' });
    await waitFor('web', [POD_SG, POD_DEFAULT], 'the pod coming back to the policy');

    // a policy on ServiceAccounts; the pay pod's ServiceAccount gains the label
    api.create(sgp('payers', NS, { serviceAccountSelector: { matchLabels: { team: 'pay' } }, groupIds: [DB_SG] }));
    const sa = api.get('v1', 'ServiceAccount', 'payer', NS) as Meta;
    api.replace({ ...sa, metadata: { ...sa.metadata, labels: { team: 'pay' } } } as never);
    await waitFor('pay', [DB_SG, POD_DEFAULT], 'the ServiceAccount label to relabel the pay pod');

    // deleting the policies takes their groups away
    api.remove(SGP, 'SecurityGroupPolicy', 'web', NS);
    api.remove(SGP, 'SecurityGroupPolicy', 'payers', NS);
    await until(() => !groupsOf('web').includes(POD_SG) && !groupsOf('pay').includes(DB_SG), { timeoutMs: 10_000, what: 'the deleted policies’ groups to go' });
    expect(groupsOf('web')).toEqual(groupsOf('pay'));
  });
});
