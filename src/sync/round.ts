// One sync round (SPEC §4): read (inventory, nodes, annotated NetworkPolicies, namespaces, pods,
// sgbridge's own objects) → translate + companions → diff → safety → write. A failed read makes
// the round change nothing; a failed apply stops the round before any deletion.
import type { KubeConfig } from '@kubernetes/client-node';
import { objectKey, type CalicoApi, type CalicoObject } from '../core/calico.js';
import { diff, type ActualObject, type Plan } from '../core/diff.js';
import type { ClusterNode, Inventory } from '../core/inventory.js';
import { membershipPolicyFrom } from '../core/membership-policy.js';
import { judgeRound, type HoldState } from '../core/safety.js';
import type { Settings } from '../core/settings.js';
import { companionFor } from '../core/translate/companions.js';
import { toApi, translate } from '../core/translate/index.js';
import { excludedNamespaces } from '../core/webhooks.js';
import { CalicoStore, MANAGED_KINDS } from '../kube/calico-store.js';
import { ClusterReader } from '../kube/cluster-reader.js';
import { kubeFailure, withRetries } from '../kube/errors.js';
import type { EventRecorder } from '../kube/events.js';
import { PodWriter } from '../kube/pods.js';
import type { Logger } from '../log.js';
import type { SyncMetrics } from './metrics.js';
import { planRelabels, type PodFacts } from './relabel.js';

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
  durationMs: number;
}

export interface RoundContext {
  kubeConfig: KubeConfig;
  settings: Settings;
  calicoApi: CalicoApi;
  readInventory: () => Promise<Inventory>;
  log: Logger;
  metrics: SyncMetrics;
  events?: EventRecorder;
  /** Held deletions carried from round to round. */
  hold: HoldState;
  writeAttempts?: number;
  writeBaseDelayMs?: number;
  concurrency?: number;
  /** Called with every inventory read in full (serve hands it to the webhooks). */
  onInventory?: (inventory: Inventory) => void;
}

interface Reads {
  inventory: Inventory;
  nodes: ClusterNode[];
  networkPolicies: unknown[];
  namespaces: Map<string, Record<string, string>>;
  pods: PodFacts[];
  actual: ActualObject[];
}

const THROTTLED = /Throttl|RequestLimitExceeded|TooManyRequests|SlowDown/i;

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]!);
  });
  await Promise.all(workers);
}

export async function runRound(ctx: RoundContext): Promise<RoundResult> {
  const started = performance.now();
  const { settings, log, metrics } = ctx;
  const store = new CalicoStore(ctx.kubeConfig, ctx.calicoApi);
  const reader = new ClusterReader(ctx.kubeConfig);
  const result: RoundResult = { result: 'success', calicoApi: ctx.calicoApi, applied: 0, deleted: 0, held: 0, unchanged: 0, relabelled: 0, desired: 0, problems: [], throttled: false, durationMs: 0 };
  const finish = (r: RoundResult['result']): RoundResult => {
    result.result = r;
    result.durationMs = performance.now() - started;
    metrics.roundDuration.observe(result.durationMs / 1000);
    metrics.rounds.inc({ result: r });
    if (r === 'success') metrics.lastSuccess.set(Date.now() / 1000);
    return result;
  };

  // ---- read: everything, or nothing is written ----
  const failures: string[] = [];
  // Kubernetes reads are retried here; the EC2 reader has the SDK's adaptive retries already.
  const read = async <T>(call: string, fn: () => Promise<T>, retried = true): Promise<T | undefined> => {
    try {
      return retried ? await withRetries(fn, { attempts: ctx.writeAttempts ?? 3, baseDelayMs: ctx.writeBaseDelayMs ?? 200 }) : await fn();
    } catch (err) {
      const e = err as { call?: string; code?: string };
      const label = e?.call ?? call;
      const message = e?.call ? String((err as Error).message) : kubeFailure(err).message;
      if (THROTTLED.test(String(e?.code ?? '')) || THROTTLED.test(message)) result.throttled = true;
      metrics.readErrors.inc({ call: label });
      failures.push(`${label}: ${message}`);
      return undefined;
    }
  };
  const [inventory, nodes, networkPolicies, namespaces, pods, ...owned] = await Promise.all([
    read('inventory', async () => {
      try {
        return await ctx.readInventory();
      } catch (err) {
        throw Object.assign(err as object, { call: (err as { call?: string }).call ?? 'inventory' });
      }
    }, false),
    read('list nodes', () => reader.nodes()),
    read('list networkpolicies', () => reader.annotatedNetworkPolicies()),
    read('list namespaces', () => reader.namespaces()),
    read('list pods', async () =>
      (await reader.pods()).map(
        (p): PodFacts => ({
          namespace: p.metadata?.namespace ?? '',
          name: p.metadata?.name ?? '',
          ...(p.metadata?.resourceVersion ? { resourceVersion: p.metadata.resourceVersion } : {}),
          ...(p.metadata?.labels ? { labels: p.metadata.labels } : {}),
          ...(p.metadata?.annotations ? { annotations: p.metadata.annotations } : {}),
          terminating: Boolean(p.metadata?.deletionTimestamp),
        }),
      ),
    ),
    ...MANAGED_KINDS.map((kind) => read(`list ${kind}`, () => store.listManaged(kind))),
  ]);
  const verdictInput = { readFailures: failures, deleteKeys: [] as string[], managedCount: 0, settings, state: ctx.hold };
  if (failures.length || !inventory || !nodes || !networkPolicies || !namespaces || !pods || owned.some((o) => !o)) {
    const v = judgeRound(verdictInput);
    result.problems.push(v.action === 'skip' ? v.reason : 'a read failed');
    log.warn({ failures }, `sync round changed nothing: ${failures.length} read(s) failed`);
    return finish('failed');
  }
  const reads: Reads = { inventory, nodes, networkPolicies, namespaces, pods, actual: owned.flat() as ActualObject[] };
  ctx.onInventory?.(inventory);

  // ---- decide ----
  const desired = desiredObjects(reads, settings, ctx.calicoApi);
  result.desired = desired.length;
  metrics.objects.reset();
  for (const [kind, n] of countBy(desired.map((o) => o.kind))) metrics.objects.set({ kind }, n);
  const plan: Plan = diff(desired, reads.actual);
  result.unchanged = plan.unchanged;
  const verdict = judgeRound({ ...verdictInput, deleteKeys: plan.deletes.map(objectKey), managedCount: reads.actual.length });
  ctx.hold = verdict.state;
  const relabels = planRelabels(reads.pods, reads.namespaces, membershipPolicyFrom(settings, reads.inventory, reads.nodes), excludedNamespaces(settings));

  // ---- write ----
  const retry = <T>(fn: () => Promise<T>, conflicts = true) => withRetries(fn, { attempts: ctx.writeAttempts ?? 4, baseDelayMs: ctx.writeBaseDelayMs ?? 200, retryConflicts: conflicts });
  const concurrency = ctx.concurrency ?? 8;
  let applyFailures = 0;
  await pool(plan.applies, concurrency, async (a) => {
    try {
      if (a.stripLabels.length) {
        await retry(() => store.removeLabels(a.object, a.stripLabels));
        metrics.writes.inc({ verb: 'patch' });
      }
      await retry(() => store.apply(a.object));
      metrics.writes.inc({ verb: 'apply' });
      result.applied++;
    } catch (err) {
      applyFailures++;
      result.problems.push(`apply ${objectKey(a.object)}: ${kubeFailure(err).message}`);
    }
  });

  if (verdict.action === 'write' && verdict.heldKeys.length) {
    result.held = verdict.heldKeys.length;
    log.warn({ held: verdict.heldKeys }, verdict.reason);
    result.problems.push(verdict.reason ?? 'deletions held');
    if (ctx.events && ctx.hold.rounds === 1) {
      const names = verdict.heldKeys.slice(0, 20).map((k) => k.replace(/\/\//, ' ').replace(/\//g, ' '));
      await ctx.events.warn('DeletionHeld', `${verdict.reason}. Held: ${names.join(', ')}${verdict.heldKeys.length > 20 ? ', ...' : ''}`).catch((err) => log.warn({ err: kubeFailure(err).message }, 'could not record the DeletionHeld event'));
    }
  }
  metrics.heldDeletions.set(result.held);

  if (applyFailures) {
    log.warn({ failed: applyFailures }, 'some applies failed: no deletions this round');
  } else if (verdict.action === 'write' && verdict.deleteKeys.length) {
    if (verdict.reason) log.warn(verdict.reason);
    const allowed = new Set(verdict.deleteKeys);
    await pool(
      plan.deletes.filter((d) => allowed.has(objectKey(d))),
      concurrency,
      async (d) => {
        try {
          await retry(() => store.delete(d), false);
          metrics.writes.inc({ verb: 'delete' });
          result.deleted++;
        } catch (err) {
          const f = kubeFailure(err);
          if (f.status === 404) return; // already gone
          if (f.status === 409) {
            log.info({ object: objectKey(d) }, 'object changed since it was read: deletion left for the next round');
            return;
          }
          result.problems.push(`delete ${objectKey(d)}: ${f.message}`);
          applyFailures++;
        }
      },
    );
  }

  const podWriter = new PodWriter(ctx.kubeConfig);
  await pool(relabels, concurrency, async (r) => {
    if (r.problem) log.warn({ pod: `${r.namespace}/${r.name}` }, `pod annotation not acceptable (${r.problem}): keeping only the pod default group`);
    try {
      await retry(() => podWriter.patchLabels(r, r.ops), false);
      metrics.writes.inc({ verb: 'patch' });
      metrics.podsRelabelled.inc();
      result.relabelled++;
    } catch (err) {
      const f = kubeFailure(err);
      if (f.status === 404 || f.status === 422) return; // gone, or changed since read: next round
      result.problems.push(`relabel pod ${r.namespace}/${r.name}: ${f.message}`);
      applyFailures++;
    }
  });

  if (result.applied || result.deleted || result.relabelled) {
    log.info({ applied: result.applied, deleted: result.deleted, relabelled: result.relabelled, unchanged: result.unchanged, held: result.held }, 'sync round wrote changes');
  }
  if (applyFailures) return finish('failed');
  return finish(result.held ? 'held' : 'success');
}

export function desiredObjects(reads: Pick<Reads, 'inventory' | 'nodes' | 'networkPolicies'>, settings: Settings, api: CalicoApi): CalicoObject[] {
  const translation = translate(reads.inventory, { nodes: reads.nodes }, settings);
  const companions = reads.networkPolicies.map((np) => companionFor(np)).filter((c): c is CalicoObject => c !== undefined);
  return toApi([...translation.objects, ...companions], api);
}

function countBy(values: string[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const v of values) m.set(v, (m.get(v) ?? 0) + 1);
  return m;
}
