// The syncer (SPEC §4): runs a round on becoming leader, every resync interval (stretched while
// EC2 throttles), and shortly after a watch reports a change to its own objects, Nodes or
// annotated NetworkPolicies (debounced, so a burst of events makes one round). Only the Lease
// holder syncs; `serve` composes startSyncer(), `sync --once` calls runOnce().
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { Registry } from 'prom-client';
import { createEc2Client } from '../aws/ec2-reader.js';
import { loadInventory } from '../aws/source.js';
import { calicoCollectionPath, type CalicoApi } from '../core/calico.js';
import type { Inventory } from '../core/inventory.js';
import { NO_HOLD } from '../core/safety.js';
import { LAST_SYNC_ANNOTATION } from '../core/vocabulary.js';
import type { Settings } from '../core/settings.js';
import { detectCalicoApi } from '../kube/calico-api.js';
import { CalicoStore, MANAGED_KINDS, MANAGED_SELECTOR } from '../kube/calico-store.js';
import { ClusterReader, clusterNodeOf, isAnnotatedForGroups } from '../kube/cluster-reader.js';
import { EventRecorder } from '../kube/events.js';
import { LEASE_NAME, LeaderElector } from '../kube/leader.js';
import { TriggerWatch, type WatchOptions } from '../kube/watches.js';
import type { Logger } from '../log.js';
import { createRegistry } from '../metrics.js';
import { syncMetrics, type SyncMetrics } from './metrics.js';
import { runRound, type RoundContext, type RoundResult } from './round.js';

export type { RoundResult } from './round.js';

export { LAST_SYNC_ANNOTATION };

export interface SyncerDeps {
  kubeConfig: KubeConfig;
  settings: Settings;
  log: Logger;
  registry?: Registry;
  /** Where the inventory comes from (default: loadInventory(settings): EC2 with --aws, else the file). */
  readInventory?: () => Promise<Inventory>;
  /** Skip discovery (tests; or when the caller already knows). */
  calicoApi?: CalicoApi;
  /** Lease holder identity (default: POD_NAME or the host name). */
  identity?: string;
  leader?: { leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Delay between a watch event and the round it triggers (default 500 ms). */
  debounceMs?: number;
  /** Resync interval in ms, overriding settings.resyncInterval (tests). */
  intervalMs?: number;
  watch?: WatchOptions;
  writeAttempts?: number;
  writeBaseDelayMs?: number;
  /** Called with every inventory a round read in full (serve hands it to the webhooks). */
  onInventory?: (inventory: Inventory) => void;
}

function defaultIdentity(): string {
  return process.env.POD_NAME || hostname();
}

function inventoryReader(deps: SyncerDeps): () => Promise<Inventory> {
  if (deps.readInventory) return deps.readInventory;
  // one EC2 client for the process: its adaptive retry state must survive between rounds
  const client = deps.settings.aws ? createEc2Client() : undefined;
  return client ? async () => (await import('../aws/ec2-reader.js')).readInventoryFromEc2({ vpcId: deps.settings.vpcId, client }) : () => loadInventory(deps.settings);
}

function contextFor(deps: SyncerDeps, api: CalicoApi, metrics: SyncMetrics, readInventory: () => Promise<Inventory>, events?: EventRecorder): RoundContext {
  return {
    kubeConfig: deps.kubeConfig,
    settings: deps.settings,
    calicoApi: api,
    readInventory,
    log: deps.log,
    metrics,
    hold: NO_HOLD,
    ...(events ? { events } : {}),
    ...(deps.writeAttempts !== undefined ? { writeAttempts: deps.writeAttempts } : {}),
    ...(deps.writeBaseDelayMs !== undefined ? { writeBaseDelayMs: deps.writeBaseDelayMs } : {}),
    ...(deps.onInventory ? { onInventory: deps.onInventory } : {}),
  };
}

/** Rounds without leader election that share their state (held deletions) from call to call. */
export function roundRunner(deps: SyncerDeps): () => Promise<RoundResult> {
  const metrics = syncMetrics(deps.registry ?? createRegistry(false));
  const events = new EventRecorder(deps.kubeConfig, { namespace: deps.settings.namespace, leaseName: LEASE_NAME, instance: deps.identity ?? defaultIdentity() });
  const readInventory = inventoryReader(deps);
  let ctx: RoundContext | undefined;
  return async () => {
    ctx ??= contextFor(deps, deps.calicoApi ?? (await detectCalicoApi(deps.kubeConfig, deps.log)), metrics, readInventory, events);
    return runRound(ctx);
  };
}

/** One round, no leader election (sgbridge sync --once). */
export async function runOnce(deps: SyncerDeps): Promise<RoundResult> {
  return roundRunner(deps)();
}

export interface Syncer {
  stop(): Promise<void>;
  /** The Lease elector (serve uses it to let only the leader manage certificates). */
  elector: LeaderElector;
  /** Resolves after the next round finishes (tests). */
  nextRound(): Promise<RoundResult>;
}

export function startSyncer(deps: SyncerDeps): Syncer {
  const { settings, log } = deps;
  const identity = deps.identity ?? defaultIdentity();
  const metrics = syncMetrics(deps.registry ?? createRegistry(false));
  const elector = new LeaderElector({ kubeConfig: deps.kubeConfig, namespace: settings.namespace, identity, log, ...deps.leader });
  const events = new EventRecorder(deps.kubeConfig, { namespace: settings.namespace, leaseName: elector.name, instance: identity, leaseUid: () => elector.leaseUid });
  const readInventory = inventoryReader(deps);
  const baseMs = deps.intervalMs ?? settings.resyncInterval * 1000;
  let intervalMs = baseMs;
  metrics.interval.set(intervalMs / 1000);
  metrics.leader.set(0);

  let ctx: RoundContext | undefined;
  let watches: TriggerWatch[] = [];
  let timer: NodeJS.Timeout | undefined;
  let dueAt = Infinity;
  let running: Promise<void> | undefined;
  let dirty = false;
  let active = false;
  let waiters: ((r: RoundResult) => void)[] = [];
  const nodeFacts = new Map<string, string>();
  const annotatedPolicies = new Set<string>();

  const schedule = (delayMs: number) => {
    if (!active) return;
    const at = Date.now() + delayMs;
    if (at >= dueAt && timer) return;
    if (timer) clearTimeout(timer);
    dueAt = at;
    timer = setTimeout(() => {
      timer = undefined;
      dueAt = Infinity;
      void round();
    }, delayMs);
  };

  const trigger = () => {
    if (!active) return;
    if (running) dirty = true;
    else schedule(deps.debounceMs ?? 500);
  };

  const round = async (): Promise<void> => {
    if (!active || running) return;
    let done!: () => void;
    running = new Promise<void>((r) => (done = r));
    dirty = false;
    let result: RoundResult | undefined;
    try {
      if (!ctx) {
        const api = deps.calicoApi ?? (await detectCalicoApi(deps.kubeConfig, log));
        ctx = contextFor(deps, api, metrics, readInventory, events);
        if (active) startWatches(api);
      }
      result = await runRound(ctx);
      if (result.result === 'success') elector.annotate(LAST_SYNC_ANNOTATION, new Date().toISOString());
      intervalMs = result.throttled ? Math.min(intervalMs * 2, Math.max(baseMs * 16, baseMs)) : Math.max(baseMs, Math.floor(intervalMs / 2));
      if (result.throttled) log.warn({ intervalSeconds: intervalMs / 1000 }, 'EC2 is throttling: stretching the resync interval');
      metrics.interval.set(intervalMs / 1000);
    } catch (err) {
      log.error({ err: String((err as Error)?.message ?? err) }, 'sync round failed');
      metrics.rounds.inc({ result: 'failed' });
    } finally {
      running = undefined;
      done();
      if (result) {
        const w = waiters;
        waiters = [];
        for (const fn of w) fn(result);
      }
      if (active) schedule(dirty ? (deps.debounceMs ?? 500) : intervalMs);
    }
  };

  const startWatches = (api: CalicoApi) => {
    const opts: WatchOptions = { log, ...deps.watch };
    const store = new CalicoStore(deps.kubeConfig, api);
    const reader = new ClusterReader(deps.kubeConfig);
    const own = MANAGED_KINDS.map(
      (kind) =>
        new TriggerWatch(deps.kubeConfig, { path: calicoCollectionPath(api, kind), labelSelector: MANAGED_SELECTOR, listResourceVersion: () => store.collectionVersion(kind) }, trigger, opts),
    );
    const nodes = new TriggerWatch(
      deps.kubeConfig,
      {
        path: '/api/v1/nodes',
        listResourceVersion: () => reader.nodesVersion(),
        // node status changes all the time; only the facts the translation uses matter
        filter: (type, obj) => {
          const facts = clusterNodeOf(obj as never);
          const key = JSON.stringify(facts);
          if (type === 'DELETED') return nodeFacts.delete(facts.name) || true;
          if (nodeFacts.get(facts.name) === key) return false;
          nodeFacts.set(facts.name, key);
          return true;
        },
      },
      trigger,
      opts,
    );
    const policies = new TriggerWatch(
      deps.kubeConfig,
      {
        path: '/apis/networking.k8s.io/v1/networkpolicies',
        listResourceVersion: () => reader.networkPoliciesVersion(),
        filter: (type, obj) => {
          const meta = (obj as { metadata?: { namespace?: string; name?: string } }).metadata;
          const key = `${meta?.namespace}/${meta?.name}`;
          const annotated = type !== 'DELETED' && isAnnotatedForGroups(obj as never);
          const was = annotatedPolicies.has(key);
          if (annotated) annotatedPolicies.add(key);
          else annotatedPolicies.delete(key);
          return annotated || was;
        },
      },
      trigger,
      opts,
    );
    watches = [...own, nodes, policies];
    for (const w of watches) w.start();
  };

  const becomeLeader = () => {
    active = true;
    metrics.leader.set(1);
    if (ctx) startWatches(ctx.calicoApi);
    schedule(0);
  };

  const stepDown = () => {
    active = false;
    metrics.leader.set(0);
    if (timer) clearTimeout(timer);
    timer = undefined;
    dueAt = Infinity;
    for (const w of watches) w.stop();
    watches = [];
  };

  elector.onChange((leader) => (leader ? becomeLeader() : stepDown()));
  elector.start();

  return {
    elector,
    nextRound: () => new Promise<RoundResult>((resolve) => waiters.push(resolve)),
    async stop() {
      stepDown();
      await running;
      await elector.stop();
    },
  };
}
