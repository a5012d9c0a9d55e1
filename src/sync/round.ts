// One sync round (SPEC §4): read → plan → write → record, each step a function whose output is
// the next one's input. Read: the inventory (in full, the groups an AWS event named, or the last
// one) and the cluster from the watch-fed caches; a failed read, or a cache that cannot be
// trusted, makes the round change nothing. Plan: core's pure planRound. Write: applies, then
// (only when every apply succeeded) the deletions the safety rules let through, then relabels.
import { objectKey, type CalicoApi } from '../core/calico.js';
import type { ActualObject } from '../core/diff.js';
import type { ClusterNode, Inventory } from '../core/inventory.js';
import type { MembershipPolicySource } from '../core/membership-policy.js';
import { allowedDeletes, planRound, type ClusterFacts, type PlanMemory, type RoundPlan } from '../core/reconcile.js';
import type { Relabel } from '../core/relabel.js';
import { judgeRound, type HoldState } from '../core/safety.js';
import type { Settings } from '../core/settings.js';
import type { ClusterCaches } from '../kube/cluster-caches.js';
import { kubeFailure } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import type { ClusterWriter } from '../kube/writer.js';
import type { Logger } from '../log.js';
import type { InventorySource } from './inventory-source.js';
import type { SyncMetrics } from './metrics.js';

export interface RoundResult {
  result: 'success' | 'failed' | 'held';
  calicoApi: CalicoApi;
  applied: number;
  deleted: number;
  held: number;
  unchanged: number;
  relabelled: number;
  /** Objects sgbridge wants on the cluster. */
  desired: number;
  problems: string[];
  /** EC2 answered with throttling: the caller stretches the interval. */
  throttled: boolean;
  /** How the inventory was read: in full, only the groups an event named, or the last one reused. */
  inventoryRead?: 'full' | 'groups' | 'cached';
  durationMs: number;
}

export interface RoundContext {
  settings: Settings;
  calicoApi: CalicoApi;
  inventory: InventorySource;
  caches: ClusterCaches;
  membership: MembershipPolicySource;
  writer: ClusterWriter;
  log: Logger;
  metrics: SyncMetrics;
  events?: EventRecorder;
  /** Held deletions carried from round to round. */
  hold: HoldState;
  /** The last plan's memory, handed to the next plan (what did not change is not translated again). */
  memory?: PlanMemory;
  concurrency?: number;
  /** Called with every inventory a round read (serve hands it to the webhooks). */
  onInventory?: (inventory: Inventory) => void;
}

export interface RoundRequest {
  /** Read AWS in full; else re-read `groupIds` (none: reuse the last inventory). */
  awsFull: boolean;
  groupIds: ReadonlySet<string>;
}

interface Reads {
  inventory: Inventory;
  how: 'full' | 'groups' | 'cached';
  cluster: ClusterFacts;
  actual: ActualObject[];
}

type ReadOutcome = { ok: true; reads: Reads } | { ok: false; failures: string[]; throttled: boolean };

interface Written {
  applied: number;
  deleted: number;
  relabelled: number;
  problems: string[];
  failed: boolean;
}

const THROTTLED = /Throttl|RequestLimitExceeded|TooManyRequests|SlowDown/i;

export async function pool<T>(items: readonly T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

/** Read: everything the plan needs, or the reasons it cannot be had. */
export async function readRound(ctx: RoundContext, want: RoundRequest): Promise<ReadOutcome> {
  const failures: string[] = [];
  let throttled = false;
  let read: Awaited<ReturnType<InventorySource['read']>> | undefined;
  try {
    read = await ctx.inventory.read({ full: want.awsFull, groupIds: want.groupIds });
    if (read.note) ctx.log.info({ reason: read.note }, 'AWS change: reading the inventory in full');
  } catch (err) {
    const e = err as Error & { call: string; code?: string };
    if (THROTTLED.test(String(e.code ?? '')) || THROTTLED.test(e.message)) throttled = true;
    ctx.metrics.readErrors.inc({ call: e.call });
    failures.push(`${e.call}: ${e.message}`);
  }
  const { caches } = ctx;
  for (const cache of [caches.nodes, caches.networkPolicies, caches.namespaces, caches.pods, ...caches.managed]) {
    if (cache.ready) continue;
    ctx.metrics.readErrors.inc({ call: `list ${cache.spec.name}` });
    failures.push(`list ${cache.spec.name}: ${cache.problem ?? 'not listed yet'}`);
  }
  if (failures.length || !read) return { ok: false, failures, throttled };
  const nodes: ClusterNode[] = [...caches.nodes.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    ok: true,
    reads: {
      inventory: read.inventory,
      how: read.how,
      cluster: { nodes, networkPolicies: [...caches.networkPolicies.values()], namespaceAnnotations: (ns) => caches.namespaces.get(ns), pods: caches.pods.values() },
      actual: caches.managed.flatMap((c) => [...c.values()]),
    },
  };
}

/** Write: applies, then the allowed deletions (only if every apply succeeded), then relabels. */
export async function writePlan(ctx: RoundContext, plan: RoundPlan): Promise<Written> {
  const { writer, metrics } = ctx;
  const concurrency = ctx.concurrency ?? 8;
  const out: Written = { applied: 0, deleted: 0, relabelled: 0, problems: [], failed: false };
  await pool(plan.diff.applies, concurrency, async (a) => {
    try {
      const { patched } = await writer.apply(a);
      if (patched) metrics.writes.inc({ verb: 'patch' });
      metrics.writes.inc({ verb: 'apply' });
      out.applied++;
    } catch (err) {
      out.failed = true;
      out.problems.push(`apply ${objectKey(a.object)}: ${kubeFailure(err).message}`);
    }
  });
  if (out.failed) ctx.log.warn({ failed: out.problems.length }, 'some applies failed: no deletions this round');
  else {
    if (plan.verdict.deleteKeys.length && plan.verdict.reason) ctx.log.warn(plan.verdict.reason);
    await pool(allowedDeletes(plan), concurrency, async (d) => {
      try {
        const outcome = await writer.delete(d);
        if (outcome === 'deleted') {
          metrics.writes.inc({ verb: 'delete' });
          out.deleted++;
        } else if (outcome === 'changed') ctx.log.info({ object: objectKey(d) }, 'object changed since it was read: deletion left for the next round');
      } catch (err) {
        out.failed = true;
        out.problems.push(`delete ${objectKey(d)}: ${kubeFailure(err).message}`);
      }
    });
  }
  const relabelled = await writeRelabels(ctx, plan.relabels);
  out.relabelled = relabelled.relabelled;
  out.problems.push(...relabelled.problems);
  out.failed ||= relabelled.problems.length > 0;
  return out;
}

/** Relabels pods; a pod gone or changed since it was read is left to its next event. */
export async function writeRelabels(ctx: Pick<RoundContext, 'writer' | 'metrics' | 'log' | 'concurrency'>, relabels: readonly Relabel[]): Promise<{ relabelled: number; problems: string[] }> {
  const out = { relabelled: 0, problems: [] as string[] };
  await pool(relabels, ctx.concurrency ?? 8, async (r) => {
    if (r.problem) ctx.log.warn({ pod: `${r.namespace}/${r.name}` }, `pod annotation not acceptable (${r.problem}): keeping only the pod default group`);
    try {
      if ((await ctx.writer.relabel(r)) !== 'patched') return;
      ctx.metrics.writes.inc({ verb: 'patch' });
      ctx.metrics.podsRelabelled.inc();
      out.relabelled++;
    } catch (err) {
      out.problems.push(`relabel pod ${r.namespace}/${r.name}: ${kubeFailure(err).message}`);
    }
  });
  return out;
}

function countBy(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}

/** Record: metrics, the held-deletion report, the log line, the result. */
async function recordRound(ctx: RoundContext, started: number, plan: RoundPlan, written: Written, how: Reads['how']): Promise<RoundResult> {
  const { metrics, log, verdict } = { ...ctx, verdict: plan.verdict };
  const result: RoundResult = {
    result: 'success',
    calicoApi: ctx.calicoApi,
    applied: written.applied,
    deleted: written.deleted,
    held: verdict.heldKeys.length,
    unchanged: plan.diff.unchanged,
    relabelled: written.relabelled,
    desired: plan.desired.length,
    problems: [...written.problems],
    throttled: false,
    inventoryRead: how,
    durationMs: 0,
  };
  metrics.objects.reset();
  for (const [kind, n] of countBy(plan.desired.map((o) => o.kind))) metrics.objects.set({ kind }, n);
  if (result.held) {
    log.warn({ held: verdict.heldKeys }, verdict.reason);
    result.problems.push(verdict.reason ?? 'deletions held');
    if (ctx.events && ctx.hold.rounds === 1) {
      const names = verdict.heldKeys.slice(0, 20).map((k) => k.replace(/\/\//, ' ').replace(/\//g, ' '));
      await ctx.events.warn('DeletionHeld', `${verdict.reason}. Held: ${names.join(', ')}${verdict.heldKeys.length > 20 ? ', ...' : ''}`).catch((err) => log.warn({ err: kubeFailure(err).message }, 'could not record the DeletionHeld event'));
    }
  }
  metrics.heldDeletions.set(result.held);
  if (result.applied || result.deleted || result.relabelled) {
    log.info({ applied: result.applied, deleted: result.deleted, relabelled: result.relabelled, unchanged: result.unchanged, held: result.held }, 'sync round wrote changes');
  }
  return finish(ctx, started, result, written.failed ? 'failed' : result.held ? 'held' : 'success');
}

function finish(ctx: RoundContext, started: number, result: RoundResult, outcome: RoundResult['result']): RoundResult {
  result.result = outcome;
  result.durationMs = performance.now() - started;
  ctx.metrics.roundDuration.observe(result.durationMs / 1000);
  ctx.metrics.rounds.inc({ result: outcome });
  if (outcome === 'success') ctx.metrics.lastSuccess.set(Date.now() / 1000);
  return result;
}

export async function runRound(ctx: RoundContext, want: RoundRequest = { awsFull: true, groupIds: new Set() }): Promise<RoundResult> {
  const started = performance.now();
  const read = await readRound(ctx, want);
  if (!read.ok) {
    const v = judgeRound({ readFailures: read.failures, deleteKeys: [], managedCount: 0, settings: ctx.settings, state: ctx.hold });
    ctx.log.warn({ failures: read.failures }, `sync round changed nothing: ${read.failures.length} read(s) failed`);
    const empty: RoundResult = { result: 'failed', calicoApi: ctx.calicoApi, applied: 0, deleted: 0, held: 0, unchanged: 0, relabelled: 0, desired: 0, problems: [v.action === 'skip' ? v.reason : 'a read failed'], throttled: read.throttled, durationMs: 0 };
    return finish(ctx, started, empty, 'failed');
  }
  const { reads } = read;
  ctx.onInventory?.(reads.inventory);
  // the same facts the webhooks' policy is built from: this inventory and the cluster's Nodes
  ctx.membership.update({ inventory: reads.inventory, clusterNodes: reads.cluster.nodes });
  const plan = planRound({ inventory: reads.inventory, cluster: reads.cluster, actual: reads.actual, settings: ctx.settings, api: ctx.calicoApi, membership: ctx.membership.current, hold: ctx.hold, ...(ctx.memory ? { memory: ctx.memory } : {}) });
  ctx.hold = plan.verdict.state;
  ctx.memory = plan.memory;
  const written = await writePlan(ctx, plan);
  return recordRound(ctx, started, plan, written, reads.how);
}

export { desiredObjects } from '../core/reconcile.js';
