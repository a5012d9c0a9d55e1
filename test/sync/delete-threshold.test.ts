// The delete threshold: a round that would delete 60 % of sgbridge's objects holds the deletions
// (log, metric, Kubernetes Event) and lets them through once the same deletions repeat.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { roundRunner } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { CRD, clusterDouble, depsFor, settingsWith } from './fixtures.js';

let api: ApiServerDouble;
beforeEach(async () => {
  api = await clusterDouble();
});
afterEach(async () => {
  await api.close();
});

function addStale(n: number): void {
  for (let i = 0; i < n; i++) {
    api.create({ apiVersion: CRD, kind: 'GlobalNetworkSet', metadata: { name: `stale-${i}`, labels: { 'app.kubernetes.io/managed-by': 'sgbridge' } }, spec: { nets: [`10.9.9.${i}/32`] } });
  }
}

describe('delete threshold', () => {
  it('holds a 60 % deletion, reports it, and lets it through when it repeats', async () => {
    const deps = depsFor(api, { settings: settingsWith({ deleteThreshold: 0.5, deleteHoldRounds: 2 }) });
    const run = roundRunner(deps);
    const first = await run();
    const desired = first.desired;
    const stale = Math.ceil(desired * 1.5); // stale / (desired + stale) = 60 %
    addStale(stale);
    expect(stale / (desired + stale)).toBeCloseTo(0.6, 1);
    api.clearRequests();

    const held = await run();
    expect(held).toMatchObject({ result: 'held', held: stale, deleted: 0 });
    expect(api.writes().filter((w) => w.method === 'DELETE')).toEqual([]);
    expect(api.list(CRD, 'GlobalNetworkSet').filter((o) => (o.metadata as { name: string }).name.startsWith('stale-'))).toHaveLength(stale);
    const events = api.list('v1', 'Event', 'sgbridge-system') as { reason: string; type: string; message: string; involvedObject: { kind: string; name: string } }[];
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: 'DeletionHeld', type: 'Warning', involvedObject: { kind: 'Lease', name: 'sgbridge-syncer' } });
    expect(events[0]!.message).toMatch(/holding \d+ deletion/);
    const metrics = await deps.registry!.getSingleMetricAsString('sgbridge_sync_held_deletions');
    expect(metrics).toContain(`sgbridge_sync_held_deletions ${stale}`);

    const through = await run();
    expect(through).toMatchObject({ result: 'success', deleted: stale, held: 0 });
    expect(api.list(CRD, 'GlobalNetworkSet').filter((o) => (o.metadata as { name: string }).name.startsWith('stale-'))).toEqual([]);
  });

  it('lets a small deletion through at once and a large one with allowDeletions', async () => {
    const run = roundRunner(depsFor(api));
    await run();
    addStale(1);
    expect((await run()).deleted).toBe(1);
    addStale(100);
    const allowed = await roundRunner(depsFor(api, { settings: settingsWith({ allowDeletions: true }) }))();
    expect(allowed).toMatchObject({ result: 'success', deleted: 100 });
  });
});
