// The syncer at scale (issue 20), against the in-process apiserver double holding the converged
// state of the generated 5,000-group VPC (5,000 groups × 20 permissions, 50,000 ENIs, 100 nodes:
// about 59k objects) and 5,000 pods. Side by side, in one run:
//   - today's re-list round (every call lists the cluster afresh, as `sync --once` does) vs an
//     unchanged round of the running syncer from its watch-fed caches (goal: >= 10x faster);
//   - LIST requests and CPU per idle minute of the running leader at the default interval, vs the
//     re-list loop (one re-list round per interval; goal: 0 LISTs);
//   - a one-rule AWS change, from its event arriving on the queue (the SQS double, consumed by the
//     leader through the SQS client) through the re-read of one group to the written policy
//     (goal < 1 s, writing only what changed);
//   - peak RSS with those objects and pods cached (goal < 512 MB).
// The double runs in a child process (bench/sync-double.ts), and so does the reconciler
// (bench/sync-reconciler.ts, the built dist/ under plain node): its CPU and peak RSS figures are
// sgbridge's, not this process's, which generates the inventory and runs the re-list baseline.
import { fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { defaultSettings } from '../src/core/settings.js';
import { roundRunner, type RoundResult, type SyncerDeps } from '../src/sync/syncer.js';
import { startSqsJsonDouble } from '../test/aws/sqs-json-double.js';
import { AWS_EVENT_SAMPLES } from '../test/support/fixtures.js';
import { largeGroupId, largeInventory } from '../test/support/large-inventory.js';
import { median } from './median.js';
import { syncScale } from './sync-scale.js';
import type { DoubleCounts, DoubleRequest } from './sync-double.js';
import type { Started, SyncReconcilerRequest } from './sync-reconciler.js';

const RUNS = Number(process.env.SGBRIDGE_BENCH_RUNS ?? 3);
const IDLE_SECONDS = Number(process.env.SGBRIDGE_BENCH_IDLE_SECONDS ?? 30);
const SCALE = syncScale();
const PODS = SCALE.pods;
const GOALS = { speedup: 10, eventMs: 1_000, rssMb: 512 };

const cpuMs = (since: NodeJS.CpuUsage) => {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
};

/** The double's process and a request/answer call over IPC. */
async function startDouble(): Promise<{ child: ChildProcess; kubeconfig: string; objects: number; ask: <T>(m: DoubleRequest) => Promise<T> }> {
  const child = fork(fileURLToPath(new URL('./sync-double.ts', import.meta.url)), [String(PODS)], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const first = await new Promise<{ kubeconfig: string; objects: number }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as { kubeconfig: string; objects: number }));
    child.once('exit', (code) => reject(new Error(`the double exited (${code})`)));
  });
  const ask = <T>(m: DoubleRequest) => new Promise<T>((resolve) => (child.once('message', (a) => resolve(a as T)), child.send(m)));
  return { child, ...first, ask };
}

/** The recorded AuthorizeSecurityGroupIngress event, naming `groupId`, made now. */
function authorizeEvent(groupId: string): string {
  const event = JSON.parse(readFileSync(`${AWS_EVENT_SAMPLES}/authorize-security-group-ingress.json`, 'utf8')) as { time: string; detail: { eventTime: string; requestParameters: { groupId: string } } };
  event.time = event.detail.eventTime = new Date().toISOString();
  event.detail.requestParameters.groupId = groupId;
  return JSON.stringify(event);
}

/** The reconciler's process and a request/answer call over IPC. */
async function startReconciler(): Promise<{ child: ChildProcess; ask: <T>(m: SyncReconcilerRequest) => Promise<T> }> {
  const child = fork(fileURLToPath(new URL('./sync-reconciler.ts', import.meta.url)), [], {
    // SGBRIDGE_BENCH_RECONCILER_FLAGS: node flags for the reconciler alone, e.g. a heap limit as a container's memory limit sets one
    execArgv: ['--expose-gc', ...(process.env.SGBRIDGE_BENCH_RECONCILER_FLAGS?.split(' ').filter(Boolean) ?? []), ...(process.env.SGBRIDGE_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SGBRIDGE_BENCH_PROFILE}`] : [])],
    stdio: 'inherit',
  });
  const answer = <T>() =>
    new Promise<T>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`the reconciler exited (${code})`));
      child.once('exit', onExit);
      child.once('message', (m: { ok: boolean; value?: T; error?: string }) => {
        child.off('exit', onExit);
        if (m.ok) resolve(m.value as T);
        else reject(new Error(m.error));
      });
    });
  await answer<string>();
  return { child, ask: <T>(m: SyncReconcilerRequest) => (child.send(m), answer<T>()) };
}

export async function run(): Promise<void> {
  const inventory = largeInventory(SCALE.inventory);
  const inventoryFile = join(mkdtempSync(join(tmpdir(), 'sgbridge-sync-bench-')), 'inventory.json');
  writeFileSync(inventoryFile, JSON.stringify(inventory));
  const sqs = await startSqsJsonDouble();
  const settings = { ...defaultSettings(), awsEventsQueueUrl: sqs.queueUrl };
  let t = performance.now();
  const double = await startDouble();
  process.stdout.write(`seeded ${double.objects} objects and ${PODS} pods into the double (its own process) in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(double.kubeconfig);
  let reconciler: Awaited<ReturnType<typeof startReconciler>> | undefined;
  try {
    // the idle figures compare at the default interval, not the longer one events allow
    const base: SyncerDeps = { kubeConfig, settings, log: pino({ level: 'silent' }), readInventory: async () => inventory, calicoApi: 'crd', identity: 'bench', cacheWaitMs: 300_000, intervalMs: settings.resyncInterval * 1000 };

    // today's loop: every round lists everything
    const relist = roundRunner({ ...base, registry: new Registry() });
    const relistMs: number[] = [];
    const relistCpu: number[] = [];
    let relistLists = 0;
    for (let i = 0; i < RUNS; i++) {
      await double.ask({ cmd: 'clear' });
      const cpu = process.cpuUsage();
      t = performance.now();
      const r = await relist();
      relistMs.push(performance.now() - t);
      relistCpu.push(cpuMs(cpu));
      relistLists = (await double.ask<DoubleCounts>({ cmd: 'counts' })).lists;
      if (r.result !== 'success' || r.applied || r.relabelled) throw new Error(`re-list round: ${r.result}, applied ${r.applied}, relabelled ${r.relabelled}: ${r.problems.join('; ')}`);
    }

    // the reconciler, in its own process: one start (lists once), then rounds from the caches
    reconciler = await startReconciler();
    const { ask } = reconciler;
    const loaded = await ask<{ rssBytes: number }>({ cmd: 'memory' });
    const first = await ask<Started>({ cmd: 'start', options: { kubeconfig: double.kubeconfig, inventoryFile, sqs: { endpoint: sqs.endpoint, queueUrl: sqs.queueUrl }, runs: RUNS } });
    if (first.result !== 'success' || first.applied) throw new Error(`first round: ${first.result}, applied ${first.applied}: ${first.problems.join('; ')}`);
    const startMs = first.startMs;
    const heapCached = first.heapBytes;
    const cached = await ask<RoundResult[]>({ cmd: 'rounds' });
    for (const r of cached) if (r.result !== 'success' || r.applied) throw new Error(`cached round: ${r.result}, applied ${r.applied}`);
    const cachedMs = cached.map((r) => r.durationMs);

    // idle: the leader at the default interval, nothing changing
    await double.ask({ cmd: 'clear' });
    const cpuBefore = await ask<number>({ cmd: 'cpu' });
    await new Promise((r) => setTimeout(r, IDLE_SECONDS * 1000));
    const idleCpuPerMin = ((((await ask<number>({ cmd: 'cpu' })) - cpuBefore) / 1000 / IDLE_SECONDS) * 60);
    const idleListsPerMin = ((await double.ask<DoubleCounts>({ cmd: 'counts' })).lists / IDLE_SECONDS) * 60;
    const roundsPerMin = 60 / settings.resyncInterval;

    // one rule changes in AWS: its event, naming the group, arrives on the queue
    const changed = largeGroupId(1);
    while (sqs.openPolls === 0) await new Promise((r) => setTimeout(r, 10));
    await double.ask({ cmd: 'clear' });
    await ask({ cmd: 'edit', groupId: changed });
    t = performance.now();
    sqs.send(authorizeEvent(changed));
    const event = await ask<RoundResult>({ cmd: 'await-round' });
    const eventMs = performance.now() - t;
    const eventWrites = (await double.ask<DoubleCounts>({ cmd: 'counts' })).calicoWrites;
    const memory = await ask<{ maxRssBytes: number }>({ cmd: 'memory' });
    await ask({ cmd: 'stop' });
    const peakRss = memory.maxRssBytes;

    const relistMedian = median(relistMs);
    const cachedMedian = median(cachedMs);
    const speedup = relistMedian / cachedMedian;
    const rssMb = peakRss / 2 ** 20;
    const rows = [
      ['', "today's re-list loop", 'watch-fed reconciler', 'goal'],
      ['unchanged round (median ms)', relistMedian.toFixed(0), cachedMedian.toFixed(0), `>= ${GOALS.speedup}x faster (got ${speedup.toFixed(1)}x)`],
      ['LIST requests per idle minute', (relistLists * roundsPerMin).toFixed(0), idleListsPerMin.toFixed(0), '0'],
      ['CPU per idle minute (ms)', (median(relistCpu) * roundsPerMin).toFixed(0), idleCpuPerMin.toFixed(0), 'lower'],
      ['one-rule AWS change, queued event to written policy (ms)', '-', `${eventMs.toFixed(0)} (${event.inventoryRead} read, ${event.applied} applied, ${eventWrites} writes)`, `< ${GOALS.eventMs} ms, only what changed`],
      ['peak RSS of sgbridge (MB)', '-', `${rssMb.toFixed(0)} (${(loaded.rssBytes / 2 ** 20).toFixed(0)} with its code loaded, before start)`, `< ${GOALS.rssMb}`],
      ['heap held after start (MB)', '-', (heapCached / 2 ** 20).toFixed(0), ''],
    ];
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    process.stdout.write(
      [
        `${double.objects} objects (${inventory.securityGroups.length} groups, ${inventory.networkInterfaces.length} ENIs, ${inventory.nodes?.length ?? 0} nodes), ${PODS} pods; ${RUNS} runs; idle window ${IDLE_SECONDS} s at the default ${settings.resyncInterval} s interval`,
        `load average at the end (1, 5, 15 min): ${loadavg().map((x) => x.toFixed(2)).join(', ')}`,
        `re-list rounds: ${relistMs.map((x) => x.toFixed(0)).join(', ')} ms; cached rounds: ${cachedMs.map((x) => x.toFixed(0)).join(', ')} ms; reconciler start (first list + first round): ${startMs.toFixed(0)} ms`,
        ...rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ')),
      ].join('\n') + '\n',
    );
    const ok = speedup >= GOALS.speedup && idleListsPerMin === 0 && eventMs < GOALS.eventMs && event.inventoryRead === 'groups' && rssMb < GOALS.rssMb;
    if (!ok) process.exitCode = 1;
  } finally {
    reconciler?.child.kill();
    rmSync(dirname(inventoryFile), { recursive: true, force: true });
    const exited = new Promise((r) => double.child.once('exit', r));
    double.child.send({ cmd: 'close' } satisfies DoubleRequest);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
    double.child.kill();
    await sqs.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await run();
