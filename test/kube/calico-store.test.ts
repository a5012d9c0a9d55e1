// The Calico store against the apiserver double: all pages of a list, server-side apply with the
// sgbridge field manager, label removal, and deletes guarded by uid + resourceVersion.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CalicoObject } from '../../src/core/calico.js';
import { CalicoStore } from '../../src/kube/calico-store.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';

const CRD = 'crd.projectcalico.org/v1';
let api: ApiServerDouble;
let store: CalicoStore;
beforeEach(async () => {
  api = await startApiServerDouble();
  store = new CalicoStore(api.kubeConfig(), 'crd');
});
afterEach(async () => {
  await api.close();
});

const hep = (i: number, managed = true) => ({ apiVersion: CRD, kind: 'HostEndpoint', metadata: { name: `vpc.eni-${String(i).padStart(5, '0')}`, labels: managed ? { 'app.kubernetes.io/managed-by': 'sgbridge' } : {} }, spec: { node: 'aws-vpc-member', expectedIPs: [`10.0.${i >> 8}.${i & 255}`] } });

describe('CalicoStore', () => {
  it('lists every page of its own objects only', async () => {
    for (let i = 0; i < 1_203; i++) api.create(hep(i));
    api.create(hep(9_999, false));
    const listed = await store.listManaged('HostEndpoint');
    expect(listed).toHaveLength(1_203);
    expect(listed.every((o) => o.kind === 'HostEndpoint' && o.apiVersion === CRD && o.metadata.uid)).toBe(true);
    const lists = api.requests.filter((r) => r.path === '/apis/crd.projectcalico.org/v1/hostendpoints');
    expect(lists).toHaveLength(3);
    expect(lists.every((r) => r.query.labelSelector === 'app.kubernetes.io/managed-by=sgbridge' && r.query.limit === '500')).toBe(true);
  });

  it('lists namespaced objects in every namespace', async () => {
    for (const ns of ['a', 'b']) api.create({ apiVersion: CRD, kind: 'NetworkPolicy', metadata: { name: 'default.x', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: {} });
    expect((await store.listManaged('NetworkPolicy')).map((o) => o.metadata.namespace)).toEqual(['a', 'b']);
  });

  it('applies with field manager sgbridge and force, and removes labels another manager set', async () => {
    const tier: CalicoObject = { apiVersion: CRD, kind: 'Tier', metadata: { name: 'sg-local', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { order: 106, defaultAction: 'Deny' } };
    await store.apply(tier);
    const patch = api.requests.find((r) => r.method === 'PATCH')!;
    expect(patch).toMatchObject({ contentType: 'application/apply-patch+yaml', query: { fieldManager: 'sgbridge', force: 'true' }, status: 201 });
    api.patch({ apiVersion: CRD, kind: 'Tier', name: 'sg-local' }, [{ op: 'add', path: '/metadata/labels/sg.aws.tigera.io~1sg-0000000000forged', value: '' }], 'someone');
    await store.removeLabels(tier, ['sg.aws.tigera.io/sg-0000000000forged']);
    expect((api.get(CRD, 'Tier', 'sg-local') as { metadata: { labels: unknown } }).metadata.labels).toEqual({ 'app.kubernetes.io/managed-by': 'sgbridge' });
  });

  it('deletes with uid and resourceVersion preconditions: a recreated object survives', async () => {
    api.create(hep(1));
    const [listed] = await store.listManaged('HostEndpoint');
    api.remove(CRD, 'HostEndpoint', listed!.metadata.name);
    api.create(hep(1)); // same name, new uid
    await expect(store.delete(listed!)).rejects.toMatchObject({ code: 409 });
    expect(api.get(CRD, 'HostEndpoint', listed!.metadata.name)).toBeDefined();
    const [fresh] = await store.listManaged('HostEndpoint');
    await store.delete(fresh!);
    expect(api.get(CRD, 'HostEndpoint', fresh!.metadata.name)).toBeUndefined();
  });
});
