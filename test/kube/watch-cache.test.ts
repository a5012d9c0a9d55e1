// The watch-fed caches against the apiserver double: one list at start, then only watches; a
// stream the server ends or that goes silent is reopened from its resourceVersion (no LIST); a
// bookmark moves that version on; 410 Expired re-lists, and what was deleted meanwhile leaves.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { managedObjectCache, nodeCache, podCache } from '../../src/kube/cluster-caches.js';
import type { WatchCache } from '../../src/kube/watch-cache.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';

const CRD = 'crd.projectcalico.org/v1';
let api: ApiServerDouble;
let caches: WatchCache<unknown>[] = [];
beforeEach(async () => {
  api = await startApiServerDouble({ bookmarkIntervalMs: 100 });
});
afterEach(async () => {
  for (const c of caches) c.stop();
  caches = [];
  await api.close();
});

const node = (name: string, instance: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { providerID: `aws:///us-east-1a/${instance}` }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] } });
const gnp = (name: string, managed = true) => ({ apiVersion: CRD, kind: 'GlobalNetworkPolicy', metadata: { name, labels: managed ? { 'app.kubernetes.io/managed-by': 'sgbridge' } : {} }, spec: { selector: 'all()' } });
const lists = (path: string) => api.requests.filter((r) => r.path === path && r.method === 'GET' && r.query.watch !== 'true').length;
const watchRequests = (path: string) => api.requests.filter((r) => r.path === path && r.query.watch === 'true');

function track<T>(c: WatchCache<T>): WatchCache<T> {
  caches.push(c as WatchCache<unknown>);
  return c;
}

describe('WatchCache', () => {
  it('lists once, then follows the watch; keeps only the facts it needs', async () => {
    api.create(node('a', 'i-0aaaaaaaaaaaaaaaa'));
    const c = track(nodeCache(api.kubeConfig(), { restartDelayMs: 20 }));
    await c.start();
    expect([...c.values()]).toEqual([{ name: 'a', instanceId: 'i-0aaaaaaaaaaaaaaaa', addresses: ['10.0.0.1'] }]);
    await until(() => api.openWatches() === 1);
    const changes: string[] = [];
    c.onChange((ch) => changes.push(`${ch.type} ${ch.key}`));
    api.create(node('b', 'i-0bbbbbbbbbbbbbbbb'));
    await until(() => c.size === 2);
    // a status-only change keeps the same facts: no change reported
    api.patch({ apiVersion: 'v1', kind: 'Node', name: 'a' }, [{ op: 'add', path: '/metadata/labels', value: { x: 'y' } }]);
    api.remove('v1', 'Node', 'b');
    await until(() => c.size === 1);
    expect(changes).toEqual(['upsert b', 'delete b']);
    expect(lists('/api/v1/nodes')).toBe(1);
  });

  it('reopens a stream the server ended from where it was, without a LIST', async () => {
    const c = track(nodeCache(api.kubeConfig(), { restartDelayMs: 20 }));
    await c.start();
    await until(() => api.openWatches() === 1);
    api.create(node('a', 'i-0aaaaaaaaaaaaaaaa'));
    await until(() => c.size === 1);
    api.closeWatches();
    await until(() => watchRequests('/api/v1/nodes').length === 2 && api.openWatches() === 1);
    expect(watchRequests('/api/v1/nodes')[1]!.query.resourceVersion).toBe(String(api.revision));
    api.create(node('b', 'i-0bbbbbbbbbbbbbbbb'));
    await until(() => c.size === 2);
    expect(lists('/api/v1/nodes')).toBe(1);
  });

  it('moves its resourceVersion on with bookmarks, so a reopen skips what it did not select', async () => {
    const c = track(managedObjectCache(api.kubeConfig(), 'crd', 'GlobalNetworkPolicy', { restartDelayMs: 20 }));
    await c.start();
    await until(() => api.openWatches() === 1);
    for (let i = 0; i < 3; i++) api.create(gnp(`unmanaged-${i}`, false));
    const after = api.revision;
    await until(() => Number(api.requests.filter((r) => r.query.watch === 'true').length) >= 1);
    await new Promise((r) => setTimeout(r, 250)); // a bookmark or two
    api.closeWatches();
    await until(() => watchRequests('/apis/crd.projectcalico.org/v1/globalnetworkpolicies').length === 2);
    expect(Number(watchRequests('/apis/crd.projectcalico.org/v1/globalnetworkpolicies')[1]!.query.resourceVersion)).toBe(after);
    expect(c.size).toBe(0);
  });

  it('re-lists after 410 Expired; what was deleted while it could not see leaves the cache', async () => {
    api.create(gnp('stays'));
    api.create(gnp('goes'));
    const c = track(managedObjectCache(api.kubeConfig(), 'crd', 'GlobalNetworkPolicy', { restartDelayMs: 20 }));
    await c.start();
    expect(c.size).toBe(2);
    await until(() => api.openWatches() === 1);
    const deleted: string[] = [];
    c.onChange((ch) => ch.type === 'delete' && deleted.push(ch.key));
    api.pauseWatches(true);
    api.remove(CRD, 'GlobalNetworkPolicy', 'goes');
    api.compact();
    api.closeWatches();
    api.pauseWatches(false);
    await until(() => deleted.length === 1);
    expect(deleted).toEqual(['goes']);
    expect(lists('/apis/crd.projectcalico.org/v1/globalnetworkpolicies')).toBe(2);
    expect(c.ready).toBe(true);
  });

  it('reopens a watch that went silent from its resourceVersion, without a LIST', async () => {
    const c = track(podCache(api.kubeConfig(), { silenceMs: 150, restartDelayMs: 20 }));
    await c.start();
    await until(() => api.openWatches() === 1);
    api.pauseWatches(true);
    await until(() => watchRequests('/api/v1/pods').length >= 2, { timeoutMs: 3_000 });
    api.pauseWatches(false);
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'x', 'sg.aws.tigera.io/sg-0123456789abcdef0': '' }, annotations: { other: 'big' } }, spec: { nodeName: 'a', serviceAccountName: 'default', containers: [{ name: 'c', image: 'i' }] } });
    await until(() => c.get('ns/p'));
    expect(c.get('ns/p')).toMatchObject({ namespace: 'ns', name: 'p', labels: { 'sg.aws.tigera.io/sg-0123456789abcdef0': '' }, nodeName: 'a', serviceAccount: 'default' });
    expect(c.get('ns/p')).not.toHaveProperty('annotations');
    expect(lists('/api/v1/pods')).toBe(1);
  });

  it('lets pods with the same membership labels share one frozen copy of them', async () => {
    api.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } });
    const labels = (groups: string[]) => ({ app: 'x', ...Object.fromEntries(groups.map((g) => [`sg.aws.tigera.io/${g}`, ''])) });
    const pod = (name: string, groups: string[]) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'ns', labels: labels(groups) }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    api.create(pod('a', ['sg-0123456789abcdef0', 'sg-0123456789abcdef1']));
    api.create(pod('b', ['sg-0123456789abcdef0', 'sg-0123456789abcdef1']));
    api.create(pod('c', ['sg-0123456789abcdef0']));
    const c = track(podCache(api.kubeConfig()));
    await c.start();
    const [a, b, other] = [c.get('ns/a')!, c.get('ns/b')!, c.get('ns/c')!];
    expect(a.labels).toEqual({ 'sg.aws.tigera.io/sg-0123456789abcdef0': '', 'sg.aws.tigera.io/sg-0123456789abcdef1': '' });
    expect(b.labels).toBe(a.labels);
    expect(other.labels).toEqual({ 'sg.aws.tigera.io/sg-0123456789abcdef0': '' });
    expect(Object.isFrozen(a.labels)).toBe(true);
  });

  it('is not to be trusted while its re-list fails, and recovers', async () => {
    const c = track(nodeCache(api.kubeConfig(), { restartDelayMs: 20 }));
    await c.start();
    expect(c.ready).toBe(true);
    await until(() => api.openWatches() === 1);
    api.failNext({ method: 'GET', path: /^\/api\/v1\/nodes$/, status: 500, count: 1000 });
    api.compact();
    api.closeWatches();
    await until(() => !c.ready);
    expect(c.problem).toMatch(/^HTTP 500/);
    api.clearFaults();
    await until(() => c.ready, { timeoutMs: 3_000 });
  });
});
