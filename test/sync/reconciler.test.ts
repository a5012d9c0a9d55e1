// The running syncer as a reconciler, against the apiserver double: after start an idle leader
// makes no LIST requests; the echo of its own writes starts no round, drift does; a pod with wrong
// membership labels is fixed by its own event (in every namespace), no round needed; an AWS change
// event re-reads only the groups it names and writes only what changed; a 410 re-list keeps the
// caches right.
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory, SecurityGroup } from '../../src/core/inventory.js';
import { withSecurityGroups } from '../../src/core/inventory-patch.js';
import { membershipPolicyFrom } from '../../src/core/membership-policy.js';
import { startSyncer, type Syncer, type SyncerDeps } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';
import { calicoObjects, clusterDouble, CRD, depsFor, settingsWith, syncWrites, tutorialInventory } from './fixtures.js';

const FAST = { leader: { leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 }, intervalMs: 60_000, debounceMs: 50, relabelDelayMs: 20, watch: { restartDelayMs: 50 } };
let api: ApiServerDouble;
let syncer: Syncer | undefined;
beforeEach(async () => {
  api = await clusterDouble();
});
afterEach(async () => {
  await syncer?.stop();
  syncer = undefined;
  await api.close();
});

async function total(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).filter((v) => Object.entries(labels).every(([k, val]) => (v.labels as Record<string, unknown>)[k] === val)).reduce((sum, v) => sum + Number(v.value), 0);
}

async function started(over: Partial<SyncerDeps> = {}): Promise<{ registry: Registry; deps: SyncerDeps }> {
  const deps = depsFor(api, { ...FAST, ...over });
  syncer = startSyncer(deps);
  const first = await syncer.nextRound();
  expect(first.result).toBe('success');
  return { registry: deps.registry!, deps };
}

const lists = () => api.requests.filter((r) => r.method === 'GET' && r.query.watch !== 'true' && r.query.limit !== undefined);
const quiet = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the syncer as a reconciler', () => {
  it('makes no LIST requests while idle, and its own writes start no round', async () => {
    const { registry } = await started({ intervalMs: 300 });
    await until(() => api.openWatches() >= 9);
    api.clearRequests();
    const rounds = await total(registry, 'sgbridge_sync_rounds_total');
    await quiet(1_200); // several resync rounds (the inventory is re-read; the cluster is not)
    expect(lists()).toEqual([]);
    expect(syncWrites(api)).toEqual([]);
    expect(await total(registry, 'sgbridge_sync_rounds_total')).toBeGreaterThan(rounds);
    expect(await total(registry, 'sgbridge_sync_cache_objects')).toBeGreaterThan(0);
  });

  it('makes no LIST requests across several watch expiries: each watch resumes from its resourceVersion', async () => {
    await api.close();
    api = await clusterDouble({ bookmarkIntervalMs: 200 });
    const { registry } = await started({ intervalMs: 400, watch: { ...FAST.watch, timeoutSeconds: 1 } });
    await until(() => api.openWatches() >= 9);
    api.clearRequests();
    const restarts = await total(registry, 'sgbridge_sync_watch_restarts_total');
    await quiet(3_600); // three expiries of every watch, bookmarks and resync rounds between them
    const watchesByPath = new Map<string, number>();
    for (const r of api.requests) if (r.method === 'GET' && r.query.watch === 'true') watchesByPath.set(r.path, (watchesByPath.get(r.path) ?? 0) + 1);
    expect(watchesByPath.size).toBeGreaterThanOrEqual(9);
    expect(Math.min(...watchesByPath.values())).toBeGreaterThanOrEqual(3);
    expect(await total(registry, 'sgbridge_sync_watch_restarts_total', { reason: 'ended' })).toBeGreaterThanOrEqual(restarts + 27);
    expect(lists()).toEqual([]);
    expect(syncWrites(api)).toEqual([]);
  });

  it('starts no round for the echo of the first round, one soon after drift', async () => {
    const { registry } = await started();
    await quiet(400);
    expect(await total(registry, 'sgbridge_sync_rounds_total')).toBe(1);
    const round = syncer!.nextRound();
    api.remove(CRD, 'Tier', 'sg-local');
    const r = await round;
    expect(r).toMatchObject({ result: 'success', applied: 1, inventoryRead: 'cached' });
    expect(api.get(CRD, 'Tier', 'sg-local')).toBeDefined();
  });

  it('fixes a pod with wrong labels by its own event (no round needed), in a webhook-excluded namespace too', async () => {
    const { registry } = await started();
    api.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sys', namespace: 'kube-system', labels: { app: 'dns', 'sg.aws.tigera.io/sg-12345678901234': '' } }, spec: { containers: [{ name: 'c', image: 'i' }] } });
    const policy = membershipPolicyFrom(settingsWith(), await tutorialInventory());
    const want = ['app', ...[...policy.nodeGroups, policy.podDefaultGroup].map((g) => `sg.aws.tigera.io/${g}`)].sort();
    await until(() => Object.keys((api.get('v1', 'Pod', 'sys', 'kube-system') as { metadata: { labels: Record<string, string> } }).metadata.labels).sort().join() === want.join(), { timeoutMs: 3_000, what: 'the relabel' });
    // the store has the patch before the syncer has its answer (and counts it)
    await until(async () => (await total(registry, 'sgbridge_pods_relabelled_total')) === 1);
    // the pods-only work did it: propagation recorded from the pod event's trigger to the written patch
    const podsTriggered = async () => {
      const histogram = (await registry.getMetricsAsJSON()).find((m) => m.name === 'sgbridge_sync_propagation_seconds')!;
      return histogram.values.find((v) => (v as { metricName?: string }).metricName === 'sgbridge_sync_propagation_seconds_count' && (v.labels as { trigger?: string }).trigger === 'pods')?.value;
    };
    await until(async () => (await podsTriggered()) === 1, { what: 'propagation recorded for the pods trigger' });
  });

  it('re-reads only the groups an AWS event names and writes only what changed', async () => {
    const inventory = await tutorialInventory();
    let fullReads = 0;
    let current: Inventory = inventory;
    const asked: string[][] = [];
    await started({
      readInventory: async () => (fullReads++, structuredClone(current)),
      readAfterChange: async (ids, last) => {
        asked.push(ids);
        const securityGroups = structuredClone(current.securityGroups.filter((g) => ids.includes(g.groupId)));
        return { inventory: withSecurityGroups(last, { securityGroups, goneIds: [], prefixLists: current.prefixLists }, ids), read: 'groups' };
      },
    });
    const target = inventory.securityGroups.find((g) => g.groupId === 'sg-98765432109876')!;
    const changed: SecurityGroup = { ...target, inbound: [...target.inbound, { ipProtocol: 'tcp', fromPort: 8443, toPort: 8443, ipRanges: [{ cidrIp: '10.99.0.0/16' }] }] };
    current = { ...inventory, securityGroups: inventory.securityGroups.map((g) => (g.groupId === target.groupId ? changed : g)) };
    api.clearRequests();
    const round = syncer!.nextRound();
    syncer!.awsChanged({ securityGroupIds: [target.groupId], full: false });
    const r = await round;
    expect(r).toMatchObject({ result: 'success', inventoryRead: 'groups', deleted: 0 });
    expect(asked).toEqual([[target.groupId]]);
    expect(fullReads).toBe(1);
    expect(r.applied).toBeGreaterThan(0);
    expect(syncWrites(api).every((w) => w.includes(target.groupId))).toBe(true);
    const policy = calicoObjects(api).get(`GlobalNetworkPolicy//sg-local.${target.groupId}`) as { spec: { ingress: { source?: { nets?: string[] } }[] } };
    expect(JSON.stringify(policy.spec.ingress)).toContain('10.99.0.0/16');
  });

  it('re-lists after 410 Gone and keeps repairing drift', async () => {
    const { registry } = await started();
    api.pauseWatches(true);
    api.remove(CRD, 'Tier', 'sg-remote');
    api.compact();
    api.pauseWatches(false);
    api.closeWatches();
    await until(() => api.get(CRD, 'Tier', 'sg-remote'), { timeoutMs: 5_000, what: 'the repair after the re-list' });
    expect(await total(registry, 'sgbridge_sync_watch_restarts_total', { reason: 'expired' })).toBeGreaterThan(0);
  });
});
