// A syncer round against the apiserver double: convergence from empty, an idle second round,
// drift repaired within one round, objects that the real Calico CRDs accept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { objectKey } from '../../src/core/calico.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { desiredObjects } from '../../src/sync/round.js';
import { runOnce } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { loadCrdSchemas } from '../support/crd-schemas.js';
import { calicoObjects, clusterDouble, CRD, depsFor, settingsWith, syncWrites, tutorialInventory } from './fixtures.js';

let api: ApiServerDouble;
beforeEach(async () => {
  api = await clusterDouble();
});
afterEach(async () => {
  await api.close();
});

async function expected(apiVersionName: 'crd' | 'v3' = 'crd') {
  const inv = await tutorialInventory();
  return desiredObjects({ inventory: inv, nodes: (inv.nodes ?? []).map((n) => ({ ...n })), networkPolicies: [] }, settingsWith(), apiVersionName);
}

describe('convergence', () => {
  it('creates every desired object from empty, then an unchanged round writes nothing', async () => {
    const first = await runOnce(depsFor(api));
    expect(first.result).toBe('success');
    expect(first.calicoApi).toBe('crd');
    const want = await expected();
    expect(first.applied).toBe(want.length);
    const have = calicoObjects(api);
    expect([...have.keys()].sort()).toEqual(want.map(objectKey).sort());
    for (const w of want) {
      const got = have.get(objectKey(w)) as { spec: unknown; metadata: { labels: Record<string, string> } };
      expect(got.spec).toEqual(JSON.parse(JSON.stringify(w.spec)));
      expect(got.metadata.labels).toEqual(w.metadata.labels);
    }
    api.clearRequests();
    const second = await runOnce(depsFor(api));
    expect(second).toMatchObject({ result: 'success', applied: 0, deleted: 0, held: 0, relabelled: 0, unchanged: want.length });
    expect(syncWrites(api)).toEqual([]);
  });

  it('writes projectcalico.org/v3 where only the native v3 CRDs are served', async () => {
    await api.close();
    api = await clusterDouble({ calico: 'v3' });
    const r = await runOnce(depsFor(api));
    expect(r).toMatchObject({ result: 'success', calicoApi: 'v3' });
    expect(calicoObjects(api, 'projectcalico.org/v3').size).toBe((await expected('v3')).length);
  });

  it('writes objects the Calico v3.31.7 CRD schemas accept', async () => {
    await runOnce(depsFor(api));
    const schemas = loadCrdSchemas();
    const problems: string[] = [];
    for (const [key, o] of calicoObjects(api)) {
      const clean = { apiVersion: o.apiVersion, kind: o.kind, metadata: { name: (o.metadata as { name: string }).name, labels: (o.metadata as { labels?: unknown }).labels }, spec: o.spec };
      for (const p of schemas.validate(clean, 'v3.31.7')) problems.push(`${key}: ${p}`);
    }
    expect(problems).toEqual([]);
  });
});

describe('drift is repaired within one round', () => {
  beforeEach(async () => {
    await runOnce(depsFor(api));
    api.clearRequests();
  });

  it('brings back a policy deleted behind its back', async () => {
    const victim = api.list(CRD, 'GlobalNetworkPolicy')[0] as { metadata: { name: string } };
    api.remove(CRD, 'GlobalNetworkPolicy', victim.metadata.name);
    const r = await runOnce(depsFor(api));
    expect(r).toMatchObject({ result: 'success', applied: 1, deleted: 0 });
    expect(api.get(CRD, 'GlobalNetworkPolicy', victim.metadata.name)).toBeDefined();
  });

  it('restores a rule edited by someone else (another field manager)', async () => {
    const name = 'sg-local.sg-98765432109876';
    const before = api.get(CRD, 'GlobalNetworkPolicy', name) as { spec: { ingress: unknown[] } };
    api.patch({ apiVersion: CRD, kind: 'GlobalNetworkPolicy', name }, [{ op: 'replace', path: '/spec/ingress', value: [{ action: 'Allow' }] }], 'kubectl-edit');
    const r = await runOnce(depsFor(api));
    expect(r).toMatchObject({ result: 'success', applied: 1 });
    expect((api.get(CRD, 'GlobalNetworkPolicy', name) as { spec: { ingress: unknown[] } }).spec.ingress).toEqual(before.spec.ingress);
  });

  it('relabels a host endpoint whose membership labels were changed', async () => {
    const hep = api.list(CRD, 'HostEndpoint')[0] as { metadata: { name: string; labels: Record<string, string> } };
    const own = Object.keys(hep.metadata.labels).find((k) => k.startsWith('sg.aws.tigera.io/'))!;
    api.patch(
      { apiVersion: CRD, kind: 'HostEndpoint', name: hep.metadata.name },
      [
        { op: 'remove', path: `/metadata/labels/${own.replace('/', '~1')}` },
        { op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-0000000000forged', value: '' },
      ],
      'kubectl-label',
    );
    const r = await runOnce(depsFor(api));
    expect(r.result).toBe('success');
    expect((api.get(CRD, 'HostEndpoint', hep.metadata.name) as { metadata: { labels: unknown } }).metadata.labels).toEqual(hep.metadata.labels);
    api.clearRequests();
    expect((await runOnce(depsFor(api))).applied).toBe(0);
    expect(syncWrites(api)).toEqual([]);
  });

  it('removes a field it set before and no longer wants, and deletes managed objects nobody wants', async () => {
    const name = 'sg-local.sg-98765432109876';
    const inv = await tutorialInventory();
    const pod = inv.securityGroups.find((g) => g.groupId === 'sg-98765432109876')!;
    pod.outbound = [];
    inv.securityGroups = inv.securityGroups.filter((g) => g.groupName !== 'db-sg');
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: 'stale', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { nets: ['10.9.9.9/32'] } });
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: 'not-ours' }, spec: { nets: ['10.9.9.8/32'] } });
    const r = await runOnce(depsFor(api, { readInventory: async () => inv }));
    expect(r.result).toBe('success');
    expect(r.deleted).toBeGreaterThanOrEqual(2);
    expect(api.get(CRD, 'GlobalNetworkSet', 'stale')).toBeUndefined();
    expect(api.get(CRD, 'GlobalNetworkSet', 'not-ours')).toBeDefined();
    expect(api.get(CRD, 'GlobalNetworkPolicy', 'sg-local.sg-0d8b7c6a5e4f30211')).toBeUndefined();
    const spec = (api.get(CRD, 'GlobalNetworkPolicy', name) as { spec: Record<string, unknown> }).spec;
    expect(spec.egress ?? []).toEqual([]);
  });
});

describe('pods', () => {
  it('relabels a pod created while the webhook was unreachable, in every namespace (the webhook-excluded ones too)', async () => {
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'integration-demo', annotations: { 'aws.tigera.io/security-groups': '["sg-98765432109876"]' }, labels: { app: 'web', 'sg.aws.tigera.io/sg-12345678901234': '' } }, spec: {} });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sys', namespace: 'kube-system', labels: { 'sg.aws.tigera.io/sg-12345678901234': '' } }, spec: {} });
    const r = await runOnce(depsFor(api));
    expect(r.relabelled).toBe(2);
    const labels = (api.get('v1', 'Pod', 'web', 'integration-demo') as { metadata: { labels: Record<string, string> } }).metadata.labels;
    // the annotated group plus the pod default group (tigera-cluster-*-TigeraPodDefault-*)
    expect(Object.keys(labels).sort()).toEqual(['app', 'sg.aws.tigera.io/sg-0a9b8c7d6e5f40312', 'sg.aws.tigera.io/sg-98765432109876']);
    expect(labels).not.toHaveProperty(['sg.aws.tigera.io/sg-12345678901234']);
    // kube-system is left out of the mutating webhook, not out of the repair (SPEC §2.6): an
    // unannotated pod carries the node groups and the pod default group
    const policy = membershipPolicyFrom(settingsWith(), await tutorialInventory());
    const want = [...policy.nodeGroups, policy.podDefaultGroup].map((g) => `sg.aws.tigera.io/${g}`).sort();
    expect(Object.keys((api.get('v1', 'Pod', 'sys', 'kube-system') as { metadata: { labels: Record<string, string> } }).metadata.labels).sort()).toEqual(want);
    expect((await runOnce(depsFor(api))).relabelled).toBe(0);
  });
});
