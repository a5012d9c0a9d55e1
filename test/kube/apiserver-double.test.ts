// The apiserver test double, checked against the real kube-apiserver exchanges it imitates
// (test/fixtures/kube-api-samples): if the double drifts from the recordings, adapter tests lie.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CoordinationV1Api, CoreV1Api, type KubernetesObject, KubernetesObjectApi, Watch } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ApiPermission } from '../../src/kube/permissions.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';
import { KUBE_API_SAMPLES } from '../support/fixtures.js';

const SAMPLES = KUBE_API_SAMPLES;
interface Sample {
  request: { method: string; path: string; query: Record<string, string>; headers: { 'content-type'?: string }; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}
function sample(prefix: string): Sample {
  const file = readdir().find((f) => f.startsWith(prefix));
  if (!file) throw new Error(`no sample ${prefix}`);
  return JSON.parse(readFileSync(join(SAMPLES, file), 'utf8')) as Sample;
}
let files: string[] | undefined;
function readdir(): string[] {
  files ??= readdirSync(SAMPLES).sort();
  return files;
}

const ALL: ApiPermission[] = [];

let api: ApiServerDouble;

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function send(s: Sample['request'] | { method: string; path: string; query?: Record<string, string>; headers?: { 'content-type'?: string }; body?: unknown }, token = 'admin-token'): Promise<Answer> {
  const url = new URL(api.url + s.path);
  for (const [k, v] of Object.entries(s.query ?? {})) url.searchParams.set(k, v);
  const ct = s.headers?.['content-type'];
  const body = s.body === undefined || s.body === null ? undefined : typeof s.body === 'string' ? s.body : JSON.stringify(s.body);
  const res = await fetch(url, { method: s.method, headers: { authorization: `Bearer ${token}`, ...(ct ? { 'content-type': ct } : {}), 'user-agent': 'sgbridge/0.1.0 (linux/amd64) kubernetes-client-node' }, body });
  const text = await res.text();
  let parsed: unknown = text;
  if (res.headers.get('content-type')?.startsWith('application/json')) parsed = JSON.parse(text);
  return { status: res.status, headers: res.headers, body: parsed };
}

/** Replays a recorded request and checks the status (and content type) came back the same. */
async function replay(prefix: string, token?: string): Promise<{ got: Answer; want: Sample['response'] }> {
  const s = sample(prefix);
  const got = await send(s.request, token);
  expect(got.status, `${prefix} status`).toBe(s.response.status);
  expect(got.headers.get('content-type')).toBe(s.response.headers['content-type']);
  expect(got.headers.get('cache-control')).toBe('no-cache, private');
  return { got, want: s.response };
}

/** Replaces values that differ from run to run (uids, times, resourceVersions) by placeholders. */
function normalise(v: unknown): unknown {
  const text = JSON.stringify(v)
    .replace(/"(uid|resourceVersion|creationTimestamp|time|deletionTimestamp)":"[^"]*"/g, '"$1":"X"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'UID')
    .replace(/\(\d+\)/g, '(N)');
  return JSON.parse(text);
}
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).sort(([a], [b]) => a.localeCompare(b)).map(([k, x]) => [k, sortKeys(x)]));
  return v;
}
const same = (a: unknown, b: unknown) => expect(sortKeys(normalise(a))).toEqual(sortKeys(normalise(b)));

beforeEach(async () => {
  api = await startApiServerDouble({ permissions: ALL });
});
afterEach(async () => {
  await api.close();
});

describe('discovery (001-003)', () => {
  it('lists the Calico group, its resources, and answers text/plain 404 for v3', async () => {
    const apis = await replay('001');
    const names = (apis.got.body as { groups: { name: string }[] }).groups.map((g) => g.name);
    for (const g of ['crd.projectcalico.org', 'coordination.k8s.io', 'networking.k8s.io', 'admissionregistration.k8s.io']) expect(names).toContain(g);
    expect(names).not.toContain('projectcalico.org');
    const v1 = await replay('002');
    const got = (v1.got.body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources.map((r) => [r.name, r.kind, r.namespaced]).sort();
    const want = (v1.want.body as { resources: { name: string; kind: string; namespaced: boolean }[] }).resources.map((r) => [r.name, r.kind, r.namespaced]).sort();
    expect(got).toEqual(want);
    const v3 = await replay('003');
    expect(v3.got.body).toBe(v3.want.body);
    expect(v3.got.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('serves projectcalico.org/v3 when configured to', async () => {
    await api.close();
    api = await startApiServerDouble({ calico: 'v3' });
    const r = await send({ method: 'GET', path: '/apis/projectcalico.org/v3' });
    expect(r.status).toBe(200);
    expect((await send({ method: 'GET', path: '/apis/crd.projectcalico.org/v1' })).status).toBe(404);
  });
});

describe('server-side apply (004-010, 016)', () => {
  it('creates with 201, keeps resourceVersion on a no-op, bumps it and generation on a change', async () => {
    const a = await replay('004');
    same(a.got.body, a.want.body);
    const rv = (a.got.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const b = await replay('005');
    same(b.got.body, b.want.body);
    expect((b.got.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion).toBe(rv);
    const c = await replay('006');
    same(c.got.body, c.want.body);
    expect(Number((c.got.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion)).toBeGreaterThan(Number(rv));
  });

  it('refuses another manager changing an owned field without force, with the recorded Status', async () => {
    await replay('004');
    const c = await replay('007');
    expect(c.got.body).toEqual(c.want.body);
    const tier = api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local') as { spec: { order: number } };
    expect(tier.spec.order).toBe(106);
    const forced = await send({ ...sample('007').request, query: { fieldManager: 'kubectl-edit', force: 'true' } });
    expect(forced.status).toBe(200);
    expect((forced.body as { spec: { order: number } }).spec.order).toBe(200);
  });

  it('removes fields the same manager omits and replaces lists whole', async () => {
    for (const p of ['008', '009']) same((await replay(p)).got.body, sample(p).response.body);
    const r = await replay('010');
    same(r.got.body, r.want.body);
    const hep = await replay('016');
    same(hep.got.body, hep.want.body);
  });

  it('keeps a field another manager also set when the applier drops it', async () => {
    await replay('004');
    api.patch({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', name: 'sg-local' }, [{ op: 'add', path: '/metadata/labels/team', value: 'net' }], 'kubectl-label');
    const r = await send({ method: 'PATCH', path: '/apis/crd.projectcalico.org/v1/tiers/sg-local', query: { fieldManager: 'sgbridge', force: 'true' }, headers: { 'content-type': 'application/apply-patch+yaml' }, body: { apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'sg-local' }, spec: { order: 106, defaultAction: 'Deny' } } });
    expect(r.status).toBe(200);
    expect((r.body as { metadata: { labels: Record<string, string> } }).metadata.labels).toEqual({ team: 'net' });
  });
});

describe('lists (011-015, 027)', () => {
  beforeEach(async () => {
    for (const p of ['004', '008', '009', '010', '016']) await replay(p);
  });

  it('selects by label, sorts by name and shapes the metadata like a custom-resource list', async () => {
    const r = await replay('011');
    same(r.got.body, r.want.body);
  });

  it('shows in a list an ownership change that left the object as it was', async () => {
    const managersOf = async () => {
      const list = (await send({ method: 'GET', path: '/apis/crd.projectcalico.org/v1/tiers' })).body as { items: { metadata: { name: string; resourceVersion: string; managedFields?: { manager: string }[] } }[] };
      const tier = list.items.find((i) => i.metadata.name === 'sg-local')!;
      return { rv: tier.metadata.resourceVersion, managers: (tier.metadata.managedFields ?? []).map((m) => m.manager).sort() };
    };
    const before = await managersOf();
    const spec = (api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local') as { spec: unknown }).spec;
    const applied = await send({ method: 'PATCH', path: '/apis/crd.projectcalico.org/v1/tiers/sg-local', query: { fieldManager: 'second-applier', force: 'true' }, headers: { 'content-type': 'application/apply-patch+yaml' }, body: { apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'sg-local' }, spec } });
    expect(applied.status).toBe(200);
    const after = await managersOf();
    expect(after.rv).toBe(before.rv);
    expect(before.managers).not.toContain('second-applier');
    expect(after.managers).toEqual([...before.managers, 'second-applier'].sort());
  });

  it('pages with limit/continue: same resourceVersion, no remainingItemCount with a selector', async () => {
    const p1 = await replay('012');
    const meta1 = (p1.got.body as { metadata: Record<string, unknown> }).metadata;
    expect(Object.keys(meta1).sort()).toEqual(['continue', 'resourceVersion']);
    const token = JSON.parse(Buffer.from(String(meta1.continue), 'base64url').toString()) as { start: string };
    expect(token.start).toBe('sg-local.sg-12345678901234\u0000');
    const p2 = await send({ ...sample('013').request, query: { ...sample('013').request.query, continue: String(meta1.continue) } });
    const body2 = p2.body as { metadata: Record<string, unknown>; items: { metadata: { name: string } }[] };
    expect(body2.metadata).toEqual({ continue: '', resourceVersion: meta1.resourceVersion });
    expect(body2.items.map((i) => i.metadata.name)).toEqual(['sg-local.sg-98765432109876']);
  });

  it('counts the remaining items when no selector is given', async () => {
    api.create({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'early' }, spec: { order: 1 } });
    const r = await replay('014');
    expect((r.got.body as { metadata: { remainingItemCount: number } }).metadata.remainingItemCount).toBe(1);
    expect((r.got.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toEqual(['early']);
  });

  it('gives an empty item list', async () => {
    api.remove('crd.projectcalico.org/v1', 'HostEndpoint', 'vpc.eni-0a1b2c3d4e5f60718');
    const r = await replay('015');
    same(r.got.body, r.want.body);
  });
});

describe('errors (017-024)', () => {
  beforeEach(async () => {
    for (const p of ['004', '008', '009']) await replay(p);
  });

  it('answers NotFound, AlreadyExists and stale-PUT Conflict with the recorded bodies', async () => {
    for (const p of ['017', '018']) {
      const r = await replay(p);
      expect(r.got.body).toEqual(r.want.body);
    }
    const tierRv = (api.get('crd.projectcalico.org/v1', 'Tier', 'sg-local') as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    api.apply({ apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'sg-local' }, spec: { order: 106, defaultAction: 'Pass' } }, 'sgbridge', true);
    const put = sample('019');
    const r = await send({ ...put.request, body: { ...(put.request.body as object), metadata: { ...(put.request.body as { metadata: object }).metadata, resourceVersion: tierRv } } });
    expect(r.status).toBe(409);
    expect(r.body).toEqual(put.response.body);
  });

  it('refuses a delete whose uid precondition fails, and deletes with a Success Status', async () => {
    const bad = await replay('023');
    same(bad.got.body, bad.want.body);
    const uid = (api.get('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'sg-local.sg-12345678901234') as { metadata: { uid: string } }).metadata.uid;
    const staleRv = await send({ ...sample('024').request, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid, resourceVersion: '1' } } });
    expect(staleRv.status).toBe(409);
    const ok = await send({ ...sample('024').request, body: { kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid } } });
    expect(ok.status).toBe(200);
    same(ok.body, sample('024').response.body);
    expect(api.get('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'sg-local.sg-12345678901234')).toBeUndefined();
  });

  it('validates through the hook with a 422 Invalid naming the Kind', async () => {
    await api.close();
    api = await startApiServerDouble({ validate: (o) => ((o.spec as { defaultAction?: string }).defaultAction === 'Allow' ? [{ field: 'spec.defaultAction', message: 'Unsupported value: "Allow": supported values: "Pass", "Deny"', reason: 'FieldValueNotSupported' }] : undefined) });
    const r = await replay('022');
    expect(r.got.body).toEqual(r.want.body);
  });
});

describe('RBAC (025, 026)', () => {
  it('refuses what the permissions do not list, with the recorded Forbidden shape', async () => {
    const user = 'system:serviceaccount:sgbridge-system:sgbridge';
    const nodes = await replay('025', 'sgbridge-token');
    expect(nodes.got.body).toEqual(JSON.parse(JSON.stringify(nodes.want.body).replace('User \\"dev\\"', `User \\"${user}\\"`)));
    const netpol = await replay('026', 'sgbridge-token');
    expect(netpol.got.body).toEqual(JSON.parse(JSON.stringify(netpol.want.body).replace('User \\"dev\\"', `User \\"${user}\\"`)));
  });

  it('tells list, get and watch apart and keeps namespace-scoped rules in their namespace', async () => {
    await api.close();
    api = await startApiServerDouble({
      permissions: [
        { group: '', resource: 'nodes', verbs: ['get'], scope: 'cluster', usedBy: 't' },
        { group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'list'], scope: 'namespace', usedBy: 't' },
      ],
    });
    api.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    expect((await send({ method: 'GET', path: '/api/v1/nodes/n1' }, 'sgbridge-token')).status).toBe(200);
    expect((await send({ method: 'GET', path: '/api/v1/nodes' }, 'sgbridge-token')).status).toBe(403);
    expect((await send({ method: 'GET', path: '/api/v1/nodes', query: { watch: 'true' } }, 'sgbridge-token')).status).toBe(403);
    expect((await send({ method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/sgbridge-system/leases' }, 'sgbridge-token')).status).toBe(200);
    expect((await send({ method: 'GET', path: '/apis/coordination.k8s.io/v1/namespaces/other/leases' }, 'sgbridge-token')).status).toBe(403);
    expect((await send({ method: 'GET', path: '/apis/coordination.k8s.io/v1/leases' }, 'sgbridge-token')).status).toBe(403);
    // discovery needs no permission
    expect((await send({ method: 'GET', path: '/apis/crd.projectcalico.org/v1' }, 'sgbridge-token')).status).toBe(200);
  });
});

describe('watch (027-031)', () => {
  interface Ev {
    type: string;
    object: { metadata: { name?: string; resourceVersion: string }; reason?: string; code?: number };
  }
  function watch(query: Record<string, string>, path = '/apis/crd.projectcalico.org/v1/globalnetworkpolicies'): Promise<{ events: Ev[]; done: Promise<unknown>; abort: () => void }> {
    const events: Ev[] = [];
    let resolveDone: (e: unknown) => void = () => {};
    const done = new Promise((r) => (resolveDone = r));
    return new Watch(api.kubeConfig('admin'))
      .watch(path, query, (type, object) => events.push({ type, object: object as Ev['object'] }), (err) => resolveDone(err))
      .then((ctl) => ({ events, done, abort: () => ctl.abort() }));
  }
  const gnp = (name: string, labels: Record<string, string>) => ({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name, labels }, spec: { selector: 'all()' } });

  it('streams ADDED, MODIFIED and DELETED from a list resourceVersion, with the deletion resourceVersion', async () => {
    const list = await send({ method: 'GET', path: '/apis/crd.projectcalico.org/v1/globalnetworkpolicies' });
    const rv = (list.body as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
    const w = await watch({ allowWatchBookmarks: 'true', resourceVersion: rv });
    api.create(gnp('sg-local.sg-55556666777788', { 'app.kubernetes.io/managed-by': 'sgbridge' }));
    api.patch({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', name: 'sg-local.sg-55556666777788' }, [{ op: 'add', path: '/metadata/labels/sgbridge.tigera.io~1revision', value: '2' }]);
    api.remove('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'sg-local.sg-55556666777788');
    await until(() => w.events.length >= 3, { timeoutMs: 2_000 });
    w.abort();
    expect(w.events.map((e) => e.type)).toEqual(sample('028').response.body instanceof Array ? (sample('028').response.body as Ev[]).map((e) => e.type) : []);
    const rvs = w.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
    // 029: the same watch again replays all three at once and ends at timeoutSeconds
    const again = await watch({ allowWatchBookmarks: 'true', resourceVersion: rv, timeoutSeconds: '1' });
    expect(await again.done).toBeNull();
    expect(again.events.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
  });

  it('sends bookmarks when filtered changes moved the store on (030)', async () => {
    const w = await watch({ labelSelector: 'app.kubernetes.io/managed-by=sgbridge', allowWatchBookmarks: 'true', resourceVersion: String(api.revision), timeoutSeconds: '3' });
    api.create(gnp('unlabelled', {}));
    api.remove('crd.projectcalico.org/v1', 'GlobalNetworkPolicy', 'unlabelled');
    await w.done;
    expect(w.events.length).toBeGreaterThan(0);
    expect(w.events.every((e) => e.type === 'BOOKMARK' && e.object.metadata.resourceVersion === String(api.revision))).toBe(true);
  });

  it('turns a label change into ADDED / DELETED for a selecting watch', async () => {
    api.create(gnp('p', {}));
    const w = await watch({ labelSelector: 'app.kubernetes.io/managed-by=sgbridge', resourceVersion: String(api.revision) });
    api.patch({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', name: 'p' }, [{ op: 'add', path: '/metadata/labels/app.kubernetes.io~1managed-by', value: 'sgbridge' }]);
    api.patch({ apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', name: 'p' }, [{ op: 'remove', path: '/metadata/labels/app.kubernetes.io~1managed-by' }]);
    await until(() => w.events.length >= 2, { timeoutMs: 2_000 });
    w.abort();
    expect(w.events.map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  });

  it('answers a too-old resourceVersion with one ERROR 410 event in a 200 stream (031)', async () => {
    api.create(gnp('x', {}));
    api.compact();
    const w = await watch(sample('031').request.query);
    await w.done;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]!.type).toBe('ERROR');
    same(w.events[0]!.object, (sample('031').response.body as Ev[])[0]!.object);
  });

  it('can stop delivering silently and end streams', async () => {
    const w = await watch({ resourceVersion: String(api.revision) });
    api.pauseWatches(true);
    api.create(gnp('quiet', {}));
    await new Promise((r) => setTimeout(r, 50));
    expect(w.events).toEqual([]);
    api.pauseWatches(false);
    expect(api.openWatches()).toBe(1);
    api.closeWatches();
    expect(await w.done).toBeNull();
  });
});

describe('leases through client-node (032-035)', () => {
  it('creates, renews with the current resourceVersion and refuses a stale one', async () => {
    await api.close();
    api = await startApiServerDouble({ permissions: [{ group: 'coordination.k8s.io', resource: 'leases', verbs: ['get', 'create', 'update'], scope: 'namespace', usedBy: 't' }] });
    const leases = api.kubeConfig().makeApiClient(CoordinationV1Api);
    const s = sample('032').request.body as { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };
    const created = await leases.createNamespacedLease({ namespace: 'sgbridge-system', body: s as never });
    expect(created.spec?.renewTime?.toISOString?.() ?? String(created.spec?.renewTime)).toContain('2026-11-26T11:28:15.726');
    const renewed = await leases.replaceNamespacedLease({ name: s.metadata.name, namespace: 'sgbridge-system', body: { ...created, spec: { ...created.spec, holderIdentity: 'a' } } });
    expect(Number(renewed.metadata?.resourceVersion)).toBe(Number(created.metadata?.resourceVersion) + 1);
    await expect(leases.replaceNamespacedLease({ name: s.metadata.name, namespace: 'sgbridge-system', body: { ...created, spec: { ...created.spec, holderIdentity: 'b' } } })).rejects.toMatchObject({ code: 409 });
    const got = await leases.readNamespacedLease({ name: s.metadata.name, namespace: 'sgbridge-system' });
    expect(got.spec?.holderIdentity).toBe('a');
    const stale = sample('034');
    const r = await send({ ...stale.request, body: { ...(stale.request.body as object), metadata: { ...(stale.request.body as { metadata: object }).metadata, resourceVersion: created.metadata?.resourceVersion } } });
    expect(r.body).toEqual(stale.response.body);
  });
});

describe('nodes, pods, NetworkPolicies, events, webhook configurations (036-054)', () => {
  it('lists built-in objects without apiVersion/kind on items and only resourceVersion in metadata (038)', async () => {
    await replay('036');
    await replay('037');
    const r = await replay('038');
    const body = r.got.body as { kind: string; apiVersion: string; metadata: Record<string, unknown>; items: Record<string, unknown>[] };
    expect([body.kind, body.apiVersion, Object.keys(body.metadata)]).toEqual(['NodeList', 'v1', ['resourceVersion']]);
    expect(body.items.map((i) => (i.metadata as { name: string }).name)).toEqual(['ip-10-0-1-10.ec2.internal', 'ip-10-0-2-20.ec2.internal']);
    expect(body.items[0]).not.toHaveProperty('kind');
    expect(body.items[0]).toHaveProperty('spec.providerID', 'aws:///us-east-1a/i-0123456789abcdef0');
  });

  it('patches pod labels by merge and JSON patch, fails a JSON-patch test with 422, selects by existence, deletes returning the Pod', async () => {
    await replay('039');
    const m = await replay('040');
    expect((m.got.body as { metadata: { labels: unknown } }).metadata.labels).toEqual((m.want.body as { metadata: { labels: unknown } }).metadata.labels);
    const j = await replay('041');
    expect((j.got.body as { metadata: { labels: unknown } }).metadata.labels).toEqual((j.want.body as { metadata: { labels: unknown } }).metadata.labels);
    const t = await replay('042');
    expect(t.got.body).toEqual(t.want.body);
    const l = await replay('043');
    expect((l.got.body as { items: { metadata: { name: string } }[] }).items.map((i) => i.metadata.name)).toEqual(['sgbridge-demo-web']);
    expect((await send({ method: 'GET', path: '/api/v1/namespaces/integration-demo/pods', query: { labelSelector: '!sg.aws.tigera.io/sg-12345678901234' } })).body).toMatchObject({ items: [] });
    const d = await replay('044');
    expect(d.got.body).toMatchObject({ kind: 'Pod', metadata: { name: 'sgbridge-demo-web', deletionGracePeriodSeconds: 0 } });
  });

  it('collects a Calico policy owned by a deleted NetworkPolicy (045-049)', async () => {
    await replay('045');
    const np = api.get('networking.k8s.io/v1', 'NetworkPolicy', 'sgmatch-allow-from-instance', 'integration-demo') as { metadata: { uid: string } };
    const owned = sample('047').request;
    const body = JSON.parse(JSON.stringify(owned.body).replace('ae6f0117-95eb-480d-bac7-4f7099e7317d', np.metadata.uid)) as unknown;
    const r = await send({ ...owned, body });
    expect(r.status).toBe(201);
    const del = await replay('048');
    same(del.got.body, del.want.body);
    const gone = await replay('049');
    expect(gone.got.body).toEqual(gone.want.body);
  });

  it('creates an Event (050) and handles webhook configuration create, json-patch, apply and delete (051-054)', async () => {
    const ev = await replay('050');
    expect(ev.got.body).toMatchObject({ reason: 'DeletionHeld', type: 'Warning', involvedObject: { kind: 'Lease' } });
    await replay('051');
    const p = await replay('052');
    expect((p.got.body as { webhooks: { clientConfig: unknown }[] }).webhooks[0]!.clientConfig).toEqual((p.want.body as { webhooks: { clientConfig: unknown }[] }).webhooks[0]!.clientConfig);
    const a = await replay('053');
    expect((a.got.body as { webhooks: { clientConfig: unknown }[] }).webhooks[0]!.clientConfig).toEqual((a.want.body as { webhooks: { clientConfig: unknown }[] }).webhooks[0]!.clientConfig);
    const d = await replay('054');
    same(d.got.body, d.want.body);
  });
});

describe('client-node, faults and the request log', () => {
  it('works with KubernetesObjectApi for generic Calico objects', async () => {
    const client = KubernetesObjectApi.makeApiClient(api.kubeConfig('admin'));
    const tier = { apiVersion: 'crd.projectcalico.org/v1', kind: 'Tier', metadata: { name: 'sg-local', labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { order: 106, defaultAction: 'Deny' } };
    const created: KubernetesObject = await client.patch(tier, undefined, undefined, 'sgbridge', true, 'application/apply-patch+yaml');
    expect(created.metadata?.uid).toBeTruthy();
    const list = await client.list('crd.projectcalico.org/v1', 'Tier', undefined, undefined, undefined, undefined, undefined, 'app.kubernetes.io/managed-by=sgbridge');
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['sg-local']);
    await client.delete(created, undefined, undefined, undefined, undefined, undefined, { preconditions: { uid: created.metadata!.uid! } });
    expect(api.list('crd.projectcalico.org/v1', 'Tier')).toEqual([]);
  });

  it('injects faults for the next matching requests and logs every request', async () => {
    api.failNext({ method: 'GET', path: '/api/v1/nodes', status: 429, count: 2 });
    api.failNext({ method: 'PATCH', path: /tiers/, status: 500 });
    const core = api.kubeConfig('admin').makeApiClient(CoreV1Api);
    const r1 = await send({ method: 'GET', path: '/api/v1/nodes' });
    expect(r1.status).toBe(429);
    expect(r1.headers.get('retry-after')).toBe('1');
    await expect(core.listNode()).rejects.toMatchObject({ code: 429 });
    expect((await core.listNode()).items).toEqual([]);
    expect((await send(sample('004').request)).status).toBe(500);
    expect((await send(sample('004').request)).status).toBe(201);
    expect(api.writes().map((w) => `${w.method} ${w.status}`)).toEqual(['PATCH 500', 'PATCH 201']);
    api.clearRequests();
    expect(api.requests).toEqual([]);
  });
});
