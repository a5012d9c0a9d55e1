// Leader election on the Lease, against the apiserver double (short durations via options).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LeaderElector } from '../../src/kube/leader.js';
import { type ApiServerDouble, startApiServerDouble } from '../support/apiserver-double.js';
import { until } from '../support/until.js';

const TIMING = { leaseDurationSeconds: 1, renewDeadlineMs: 600, retryPeriodMs: 100 };
let api: ApiServerDouble;
let electors: LeaderElector[] = [];

beforeEach(async () => {
  api = await startApiServerDouble();
  electors = [];
});
afterEach(async () => {
  for (const e of electors) await e.stop({ release: false });
  await api.close();
});

function elector(identity: string): LeaderElector {
  const e = new LeaderElector({ kubeConfig: api.kubeConfig(), namespace: 'sgbridge-system', identity, ...TIMING });
  electors.push(e);
  return e;
}

const lease = () => api.get('coordination.k8s.io/v1', 'Lease', 'sgbridge-syncer', 'sgbridge-system') as { spec: { holderIdentity: string; leaseDurationSeconds: number; renewTime: string; leaseTransitions: number }; metadata: { annotations?: Record<string, string> } };

describe('LeaderElector', () => {
  it('elects exactly one of two, with the Lease as sample 032 shapes it', async () => {
    const a = elector('a');
    const b = elector('b');
    const changes: string[] = [];
    a.onChange((l) => changes.push(`a:${l}`));
    b.onChange((l) => changes.push(`b:${l}`));
    a.start();
    b.start();
    await until(() => a.isLeader() || b.isLeader());
    await new Promise((r) => setTimeout(r, 400));
    expect([a.isLeader(), b.isLeader()].filter(Boolean)).toHaveLength(1);
    expect(changes).toHaveLength(1);
    const l = lease();
    expect(l.spec.holderIdentity).toBe(a.isLeader() ? 'a' : 'b');
    expect(l.spec.leaseDurationSeconds).toBe(1);
    expect(l.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it('keeps renewing: the renewTime moves and the resourceVersion with it', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    const first = lease().spec.renewTime;
    await until(() => lease().spec.renewTime !== first);
    expect(a.isLeader()).toBe(true);
  });

  it('lets the other take over when the leader stops renewing, not before the lease duration', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    const b = elector('b');
    b.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(b.isLeader()).toBe(false);
    await a.stop({ release: false }); // a crashed replica: no release
    const stoppedAt = Date.now();
    await until(() => b.isLeader(), { timeoutMs: 5_000 });
    const elapsed = Date.now() - stoppedAt;
    // it must wait out the lease (1 s, counted from the last change it saw), and not much longer
    expect(elapsed).toBeGreaterThanOrEqual(700);
    expect(elapsed).toBeLessThan(1_000 + 3 * TIMING.retryPeriodMs + 1_500);
    expect(lease().spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
  });

  it('releases the Lease on stop so a successor need not wait', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    const b = elector('b');
    b.start();
    await new Promise((r) => setTimeout(r, 200));
    await a.stop();
    expect(a.isLeader()).toBe(false);
    expect(lease().spec.holderIdentity).toBe('');
    await until(() => b.isLeader(), { timeoutMs: 600 });
  });

  it('steps down when it cannot renew within the renew deadline', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    api.failNext({ path: '/apis/coordination.k8s.io/', status: 500, count: 1_000 });
    const failingSince = Date.now();
    await until(() => !a.isLeader(), { timeoutMs: 3_000 });
    expect(Date.now() - failingSince).toBeGreaterThanOrEqual(400);
    api.clearFaults();
    await until(() => a.isLeader(), { timeoutMs: 3_000 });
  });

  it('carries annotations on renewal', async () => {
    const a = elector('a');
    a.start();
    await until(() => a.isLeader());
    a.annotate('sgbridge.io/last-successful-sync', '2026-11-26T12:00:00Z');
    await until(() => lease().metadata.annotations?.['sgbridge.io/last-successful-sync'] === '2026-11-26T12:00:00Z');
  });

  it('is refused without the Lease permission (RBAC from permissions.ts is enforced)', async () => {
    await api.close();
    api = await startApiServerDouble({ permissions: [] });
    const a = elector('a');
    a.start();
    await new Promise((r) => setTimeout(r, 300));
    expect(a.isLeader()).toBe(false);
    expect(api.requests.some((r) => r.status === 403)).toBe(true);
  });
});
