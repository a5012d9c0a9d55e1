// The running syncer: only the Lease holder syncs, a watch event brings a round within moments
// (not the next interval), the last successful round is recorded on the Lease, and when the
// leader goes away the other replica takes over.
import type { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MATCH_SG_ANNOTATION } from '../../src/core/vocabulary.js';
import { LAST_SYNC_ANNOTATION, startSyncer, type Syncer } from '../../src/sync/syncer.js';
import type { ApiServerDouble } from '../support/apiserver-double.js';
import { calicoObjects, clusterDouble, CRD, depsFor } from './fixtures.js';
import { until } from '../support/until.js';

const FAST = { leader: { leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 }, intervalMs: 60_000, debounceMs: 50, watch: { restartDelayMs: 50 } };
let api: ApiServerDouble;
let syncers: Syncer[] = [];
beforeEach(async () => {
  api = await clusterDouble();
  syncers = [];
});
afterEach(async () => {
  for (const s of syncers) await s.stop();
  await api.close();
});

async function counter(registry: Registry, name: string): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

function start(identity: string) {
  const deps = depsFor(api, { identity, ...FAST });
  const s = startSyncer(deps);
  syncers.push(s);
  return { s, registry: deps.registry! };
}

describe('the syncer loop', () => {
  it('with two replicas exactly one syncs; the other takes over when it goes', async () => {
    const a = start('replica-a');
    const b = start('replica-b');
    await until(() => a.s.elector.isLeader() || b.s.elector.isLeader(), { timeoutMs: 8_000 });
    const [leader, follower] = a.s.elector.isLeader() ? [a, b] : [b, a];
    await until(() => calicoObjects(api).size > 0, { timeoutMs: 8_000 });
    await leader.s.nextRound();
    await new Promise((r) => setTimeout(r, 300));
    expect(await counter(leader.registry, 'sgbridge_sync_rounds_total')).toBeGreaterThan(0);
    expect(await counter(follower.registry, 'sgbridge_sync_rounds_total')).toBe(0);
    expect(await counter(follower.registry, 'sgbridge_sync_writes_total')).toBe(0);
    expect(await counter(leader.registry, 'sgbridge_leader')).toBe(1);
    expect(await counter(follower.registry, 'sgbridge_leader')).toBe(0);
    await until(() => Boolean((api.get('coordination.k8s.io/v1', 'Lease', 'sgbridge-syncer', 'sgbridge-system') as { metadata: { annotations?: Record<string, string> } }).metadata.annotations?.[LAST_SYNC_ANNOTATION]), { timeoutMs: 8_000 });

    // the leader stops renewing (a crash): the follower takes over after the lease duration and syncs
    const round = follower.s.nextRound();
    await leader.s.elector.stop({ release: false });
    await until(() => follower.s.elector.isLeader(), { timeoutMs: 4_000 });
    const r = await round;
    expect(r).toMatchObject({ result: 'success', applied: 0, deleted: 0 });
    expect(await counter(follower.registry, 'sgbridge_leader')).toBe(1);
  });

  it('repairs drift soon after the watch reports it, long before the interval', async () => {
    const { s } = start('replica-a');
    await until(() => s.elector.isLeader(), { timeoutMs: 8_000 });
    await s.nextRound();
    await new Promise((r) => setTimeout(r, 200)); // watches open
    const victim = 'sg-local.sg-98765432109876';
    const repaired = s.nextRound();
    api.remove(CRD, 'GlobalNetworkPolicy', victim);
    const r = await repaired;
    expect(r.applied).toBe(1);
    expect(api.get(CRD, 'GlobalNetworkPolicy', victim)).toBeDefined();
  });

  it('makes a companion soon after a NetworkPolicy is annotated', async () => {
    const { s } = start('replica-a');
    await until(() => s.elector.isLeader(), { timeoutMs: 8_000 });
    await s.nextRound();
    await new Promise((r) => setTimeout(r, 200));
    api.create({
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'np', namespace: 'integration-demo', annotations: { [MATCH_SG_ANNOTATION]: 'true' } },
      spec: { podSelector: {}, ingress: [{ from: [{ podSelector: { matchLabels: { 'sg.aws.tigera.io/sg-12345678901234': '' } } }] }] },
    });
    await until(() => api.list(CRD, 'NetworkPolicy', 'integration-demo').length === 1, { timeoutMs: 8_000 });
  });

  it('releases the Lease on stop', async () => {
    const { s } = start('replica-a');
    await until(() => s.elector.isLeader(), { timeoutMs: 8_000 });
    await s.stop();
    const lease = api.get('coordination.k8s.io/v1', 'Lease', 'sgbridge-syncer', 'sgbridge-system') as { spec: { holderIdentity?: string } };
    expect(lease.spec.holderIdentity).toBe('');
  });
});
