// The work queue: triggers that arrive while work is pending or running fold into one piece of
// work; AWS events' group ids add up, an event naming nothing asks for a full read; the resync
// timer follows each full read and stretches while EC2 throttles; requeue-after comes back.
import { afterEach, describe, expect, it } from 'vitest';
import { WorkQueue, type RunOutcome, type Work } from '../../src/sync/work-queue.js';
import { until } from '../support/until.js';

let queue: WorkQueue | undefined;
afterEach(async () => {
  await queue?.stop();
  queue = undefined;
});

function recording(outcome: (w: Work, i: number) => RunOutcome | Promise<RunOutcome> = () => ({}), intervalMs = 60_000, debounceMs = 20) {
  const runs: Work[] = [];
  const intervals: number[] = [];
  queue = new WorkQueue({ intervalMs, debounceMs, run: async (w) => (runs.push(w), outcome(w, runs.length - 1)), onInterval: (ms) => intervals.push(ms) });
  return { runs, intervals, q: queue };
}

describe('WorkQueue', () => {
  it('starts with a full round, then folds a burst of triggers into one piece of work', async () => {
    const { runs, q } = recording();
    q.start();
    await until(() => runs.length === 1);
    expect(runs[0]).toMatchObject({ round: true, awsFull: true });
    for (let i = 0; i < 50; i++) q.add({ kind: 'cluster', what: 'nodes' });
    q.add({ kind: 'aws', securityGroupIds: ['sg-0000000000000000A'] });
    q.add({ kind: 'aws', securityGroupIds: ['sg-0000000000000000b'] });
    q.add({ kind: 'pods', keys: ['ns/a'] });
    expect(q.depth).toBe(53);
    await until(() => runs.length === 2);
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toHaveLength(2);
    const w = runs[1]!;
    expect(w).toMatchObject({ round: true, awsFull: false, allPods: false, triggers: { cluster: 50, aws: 2, pods: 1, timer: 0 } });
    expect([...w.awsGroupIds]).toEqual(['sg-0000000000000000a', 'sg-0000000000000000b']);
    expect([...w.pods]).toEqual(['ns/a']);
    expect(q.depth).toBe(0);
  });

  it('folds triggers that arrive while work runs into the next one, and pods alone make no round', async () => {
    let release!: () => void;
    const { runs, q } = recording((_w, i) => (i === 1 ? new Promise<RunOutcome>((r) => (release = () => r({})))  : {}));
    q.start();
    await until(() => runs.length === 1);
    q.add({ kind: 'pods', keys: ['ns/a'] });
    await until(() => runs.length === 2);
    q.add({ kind: 'pods', keys: ['ns/b'] });
    q.add({ kind: 'pods' });
    await new Promise((r) => setTimeout(r, 50));
    expect(runs).toHaveLength(2); // still running
    release();
    await until(() => runs.length === 3);
    expect(runs[1]).toMatchObject({ round: false, awsFull: false });
    expect(runs[2]).toMatchObject({ round: false, allPods: true });
    expect([...runs[2]!.pods]).toEqual(['ns/b']);
  });

  it('work that arrives while a run is going waits, once it is over, only as long as its most urgent trigger asked', async () => {
    let release!: () => void;
    const { runs, q } = recording((_w, i) => (i === 1 ? new Promise<RunOutcome>((r) => (release = () => r({}))) : {}), 60_000, 2_000);
    q.start();
    await until(() => runs.length === 1);
    q.add({ kind: 'cluster', what: 'nodes' }, 0);
    await until(() => runs.length === 2);
    q.add({ kind: 'cluster', what: 'nodes' });
    q.add({ kind: 'aws', securityGroupIds: ['sg-0000000000000000a'] }, 0);
    await new Promise((r) => setTimeout(r, 1_000));
    release();
    const released = Date.now();
    await until(() => runs.length === 3);
    expect(Date.now() - released).toBeLessThan(500);
    expect(runs[2]).toMatchObject({ triggers: { cluster: 1, aws: 1 } });
  });

  it('an AWS event that names no group, or says full, reads everything', async () => {
    const { runs, q } = recording();
    q.start();
    await until(() => runs.length === 1);
    q.add({ kind: 'aws', securityGroupIds: ['sg-0000000000000000a'] });
    q.add({ kind: 'aws', full: true });
    await until(() => runs.length === 2);
    expect(runs[1]!.awsFull).toBe(true);
  });

  it('stretches the interval while EC2 throttles and brings it back as reads succeed', async () => {
    let throttle = 3;
    const { runs, intervals, q } = recording(() => ({ throttled: throttle-- > 0 }), 30);
    q.start();
    await until(() => runs.length >= 6, { timeoutMs: 5_000 });
    expect(intervals.slice(0, 5)).toEqual([60, 120, 240, 120, 60]);
  });

  it('caps the stretch at 16 times the interval', async () => {
    const { runs, intervals, q } = recording(() => ({ throttled: true }), 5);
    q.start();
    await until(() => runs.length >= 7, { timeoutMs: 5_000 });
    expect(Math.max(...intervals)).toBe(80);
  });

  it('requeues after the time the work asks for', async () => {
    const { runs, q } = recording((_w, i) => (i === 1 ? { requeue: { trigger: { kind: 'aws', full: true }, afterMs: 30 } } : {}));
    q.start();
    await until(() => runs.length === 1);
    q.add({ kind: 'cluster', what: 'x' });
    await until(() => runs.length === 3);
    expect(runs[2]).toMatchObject({ awsFull: true, triggers: { aws: 1 } });
  });

  it('does nothing once stopped', async () => {
    const { runs, q } = recording();
    q.start();
    await until(() => runs.length === 1);
    await q.stop();
    q.add({ kind: 'cluster', what: 'x' });
    await new Promise((r) => setTimeout(r, 60));
    expect(runs).toHaveLength(1);
  });
});
