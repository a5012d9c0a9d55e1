// The syncer (SPEC §4) as a reconciler: watch-fed caches of the cluster, one coalescing work
// queue, and rounds that read → plan → write → record. Triggers: the resync timer (a full AWS
// read; stretched while EC2 throttles), an AWS change event (re-reads the groups it names; the
// leader consumes the queue of awsEventsQueueUrl), a
// cache event that matters (nodes, annotated NetworkPolicies, drift of sgbridge's own objects)
// and pods whose membership labels are wrong (relabelled by themselves, within moments). Only the
// Lease holder syncs; `serve` composes startSyncer(), `sync --once` calls runOnce().
import { hostname } from 'node:os';
import type { KubeConfig } from '@kubernetes/client-node';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { SQSClient } from '@aws-sdk/client-sqs';
import type { Registry } from 'prom-client';
import { startAwsEvents, type AwsEvents } from '../aws/aws-events.js';
import { awsEventsMetrics } from '../aws/aws-events-metrics.js';
import { createEc2Client, readInventoryAfterChange, readInventoryFromEc2 } from '../aws/ec2-reader.js';
import { loadInventory } from '../aws/source.js';
import type { AwsChange as AwsEventChange } from '../core/aws-change.js';
import type { CalicoApi } from '../core/calico.js';
import type { ActualObject } from '../core/diff.js';
import type { ClusterNode, Inventory } from '../core/inventory.js';
import { MembershipPolicySource } from '../core/membership-policy.js';
import { planRelabels, type PodFacts } from '../core/relabel.js';
import { effectiveResyncInterval } from '../core/resync-interval.js';
import { NO_HOLD } from '../core/safety.js';
import type { Settings } from '../core/settings.js';
import { LAST_SYNC_ANNOTATION } from '../core/vocabulary.js';
import { detectCalicoApi } from '../kube/calico-api.js';
import { allCaches, clusterCaches, type ClusterCaches, type NamespaceAnnotations } from '../kube/cluster-caches.js';
import { EventRecorder } from '../kube/events.js';
import { LEASE_NAME, LeaderElector } from '../kube/leader.js';
import type { CacheChange, CacheOptions, WatchCache } from '../kube/watch-cache.js';
import { ClusterWriter } from '../kube/writer.js';
import type { Logger } from '../log.js';
import { createRegistry } from '../metrics.js';
import { InventorySource, type InventoryReaders } from './inventory-source.js';
import { syncMetrics, type SyncMetrics } from './metrics.js';
import { allowListChanged, isDrift, podNeedsRelabel, podsInPolicyScope } from './predicates.js';
import { runRound, writeRelabels, type RoundContext, type RoundResult } from './round.js';
import { WorkQueue, type Work } from './work-queue.js';

export type { RoundResult } from './round.js';
export { LAST_SYNC_ANNOTATION };

/** What an AWS change event asks for (the SQS consumer's output): these groups, or everything (`full`: ENIs, instances). */
export type AwsChange = Pick<AwsEventChange, 'securityGroupIds' | 'full'> & Partial<Pick<AwsEventChange, 'earliestEventTime'>>;

export interface SyncerDeps {
  kubeConfig: KubeConfig;
  settings: Settings;
  log: Logger;
  registry?: Registry;
  /** Where the inventory comes from (default: loadInventory(settings): EC2 with --aws, else the file). */
  readInventory?: () => Promise<Inventory>;
  /** The inventory after an AWS event named these groups (default with --aws: readInventoryAfterChange); without it such events read in full. */
  readAfterChange?: InventoryReaders['readAfterChange'];
  /** The EC2 client of the default readers (default: createEc2Client()). */
  ec2Client?: EC2Client;
  /** The SQS client of the AWS change-event consumer (default: createSqsClient(awsEventsQueueUrl)). */
  sqsClient?: SQSClient;
  /** Skip discovery (tests; or when the caller already knows). */
  calicoApi?: CalicoApi;
  /** Lease holder identity (default: POD_NAME or the host name). */
  identity?: string;
  leader?: { leaseDurationSeconds?: number; renewDeadlineMs?: number; retryPeriodMs?: number };
  /** Delay between a trigger and the work it starts (default 500 ms). */
  debounceMs?: number;
  /** Delay between a pod event and its relabel (default 100 ms). */
  relabelDelayMs?: number;
  /** Resync interval in ms, overriding settings.resyncInterval (tests). */
  intervalMs?: number;
  /** Watch settings of the caches (timeouts, watchdog, safety re-list; default from settings). */
  watch?: CacheOptions;
  /** Longest wait for the caches' first list before a round counts them as failed reads. */
  cacheWaitMs?: number;
  writeAttempts?: number;
  writeBaseDelayMs?: number;
  /** Called with every inventory a round read (serve hands it to the webhooks). */
  onInventory?: (inventory: Inventory) => void;
  /** The process's one membership policy (serve's); default: the syncer's own. */
  membership?: MembershipPolicySource;
  /** Caches serve already runs (started by serve), read here rather than watched twice. */
  shared?: { nodes?: WatchCache<ClusterNode>; namespaces?: WatchCache<NamespaceAnnotations> };
}

function defaultIdentity(): string {
  return process.env.POD_NAME || hostname();
}

function inventoryReaders(deps: SyncerDeps): InventoryReaders {
  const { vpcId } = deps.settings;
  // one EC2 client for the process: its adaptive retry state must survive between rounds
  const client = deps.settings.aws ? (deps.ec2Client ?? createEc2Client()) : undefined;
  const readInventory = deps.readInventory ?? (client ? () => readInventoryFromEc2({ vpcId, client }) : () => loadInventory(deps.settings));
  const readAfterChange: InventoryReaders['readAfterChange'] =
    deps.readAfterChange ?? (client && !deps.readInventory ? (ids, current) => readInventoryAfterChange({ vpcId, client, current, change: { securityGroupIds: ids, full: false, eventNames: [] } }) : undefined);
  return { readInventory, ...(readAfterChange ? { readAfterChange } : {}) };
}

function cacheOptions(deps: SyncerDeps, metrics: SyncMetrics): CacheOptions {
  return {
    log: deps.log,
    relistMs: deps.settings.cacheRelistInterval * 1000,
    onRestart: (cache, reason) => metrics.watchRestarts.inc({ cache, reason }),
    ...deps.watch,
  };
}

/** A cache that failed this many times in a row is reported as a failed read rather than waited for. */
const CACHE_ATTEMPTS = 3;

/** Resolves when every cache is ready or has failed CACHE_ATTEMPTS times in a row, or after `ms` (a round then reports the others as failed reads). */
async function cachesSettled(caches: ClusterCaches, ms: number): Promise<void> {
  const end = Date.now() + ms;
  const settled = () => allCaches(caches).every((c) => c.ready || c.failuresInARow >= CACHE_ATTEMPTS);
  while (!settled() && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
}

interface Parts {
  ctx: RoundContext;
  caches: ClusterCaches;
  /** Caches this syncer started (not serve's shared ones). */
  owned: WatchCache<unknown>[];
}

async function makeParts(deps: SyncerDeps, api: CalicoApi, metrics: SyncMetrics, inventory: InventorySource, membership: MembershipPolicySource, events?: EventRecorder): Promise<Parts> {
  const caches = clusterCaches(deps.kubeConfig, api, cacheOptions(deps, metrics), deps.shared, deps.settings.securityGroupPolicies ? 'all' : 'membership');
  const shared = new Set<unknown>([deps.shared?.nodes, deps.shared?.namespaces].filter(Boolean));
  const owned = allCaches(caches).filter((c) => !shared.has(c));
  for (const c of allCaches(caches)) void c.start();
  const writer = new ClusterWriter(deps.kubeConfig, api, { ...(deps.writeAttempts !== undefined ? { attempts: deps.writeAttempts } : {}), ...(deps.writeBaseDelayMs !== undefined ? { baseDelayMs: deps.writeBaseDelayMs } : {}) });
  const ctx: RoundContext = {
    settings: deps.settings,
    calicoApi: api,
    inventory,
    caches,
    membership,
    writer,
    log: deps.log,
    metrics,
    hold: NO_HOLD,
    ...(events ? { events } : {}),
    ...(deps.onInventory ? { onInventory: deps.onInventory } : {}),
  };
  return { ctx, caches, owned };
}

function membershipFor(deps: SyncerDeps, inventory: InventorySource): MembershipPolicySource {
  return deps.membership ?? new MembershipPolicySource(deps.settings, { inventory: inventory.current ?? { vpcId: deps.settings.vpcId, securityGroups: [], networkInterfaces: [], prefixLists: [] } });
}

/**
 * Rounds without leader election that share their state (held deletions, the plan's memory) from call to call. Each
 * call lists the cluster afresh (its caches live for that call only): `sync --once`, and today's
 * re-list round in the benchmark.
 */
export function roundRunner(deps: SyncerDeps): () => Promise<RoundResult> {
  const metrics = syncMetrics(deps.registry ?? createRegistry(false));
  const events = new EventRecorder(deps.kubeConfig, { namespace: deps.settings.namespace, leaseName: LEASE_NAME, instance: deps.identity ?? defaultIdentity() });
  const inventory = new InventorySource(inventoryReaders(deps));
  const membership = membershipFor(deps, inventory);
  let api: CalicoApi | undefined;
  let hold = NO_HOLD;
  let memory: RoundContext['memory'];
  return async () => {
    api ??= deps.calicoApi ?? (await detectCalicoApi(deps.kubeConfig, deps.log));
    const parts = await makeParts({ ...deps, shared: {} }, api, metrics, inventory, membership, events);
    try {
      await cachesSettled(parts.caches, deps.cacheWaitMs ?? 30_000);
      parts.ctx.hold = hold;
      if (memory) parts.ctx.memory = memory;
      const result = await runRound(parts.ctx);
      hold = parts.ctx.hold;
      memory = parts.ctx.memory;
      return result;
    } finally {
      for (const c of parts.owned) c.stop();
    }
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
  /** An AWS change event (the SQS consumer calls this): a round soon, re-reading only the named groups. */
  awsChanged(change: AwsChange): void;
  /** The caches, once leading (tests and the benchmark read their counters). */
  caches(): ClusterCaches | undefined;
  /** The work queue (its depth and interval). */
  queue: WorkQueue;
}

export function startSyncer(deps: SyncerDeps): Syncer {
  const { settings, log } = deps;
  const identity = deps.identity ?? defaultIdentity();
  const metrics = syncMetrics(deps.registry ?? createRegistry(false));
  const elector = new LeaderElector({ kubeConfig: deps.kubeConfig, namespace: settings.namespace, identity, log, ...deps.leader });
  const events = new EventRecorder(deps.kubeConfig, { namespace: settings.namespace, leaseName: elector.name, instance: identity, leaseUid: () => elector.leaseUid });
  const inventory = new InventorySource(inventoryReaders(deps));
  const membership = membershipFor(deps, inventory);
  const debounceMs = deps.debounceMs ?? 500;
  const relabelDelayMs = deps.relabelDelayMs ?? 100;
  metrics.leader.set(0);

  let parts: Parts | undefined;
  let api: CalicoApi | undefined;
  let unsubscribe: (() => void)[] = [];
  let waiters: ((r: RoundResult) => void)[] = [];
  let leading = false;
  let awsEvents: AwsEvents | undefined;

  const run = async (work: Work) => {
    if (!parts) return {};
    const { ctx } = parts;
    if (work.round) {
      await cachesSettled(parts.caches, deps.cacheWaitMs ?? 30_000);
      const result = await runRound(ctx, { awsFull: work.awsFull, groupIds: work.awsGroupIds });
      recordSizes(parts.caches);
      if (result.result === 'success') elector.annotate(LAST_SYNC_ANNOTATION, new Date().toISOString());
      if (result.applied || result.deleted || result.relabelled) observePropagation(work, metrics);
      const w = waiters;
      waiters = [];
      for (const fn of w) fn(result);
      if (result.throttled) log.warn({ intervalSeconds: (queue.intervalMs * 2) / 1000 }, 'EC2 is throttling: stretching the resync interval');
      return { throttled: result.throttled };
    }
    // pods only: relabel those (or all) with the policy of this moment, no round
    const pods: PodFacts[] = work.allPods ? [...parts.caches.pods.values()] : [...work.pods].map((k) => parts!.caches.pods.get(k)).filter((p): p is PodFacts => p !== undefined);
    const relabels = planRelabels(pods, (ns) => parts!.caches.namespaces.get(ns), membership.current);
    const written = await writeRelabels(ctx, relabels);
    if (written.relabelled) observePropagation(work, metrics);
    for (const p of written.problems) log.warn(p);
    return {};
  };

  const queue = new WorkQueue({
    run,
    intervalMs: deps.intervalMs ?? effectiveResyncInterval(settings) * 1000,
    debounceMs,
    onDepth: (n) => metrics.queueDepth.set(n),
    onInterval: (ms) => metrics.interval.set(ms / 1000),
    onError: (err) => {
      log.error({ err: String((err as Error)?.message ?? err) }, 'sync round failed');
      metrics.rounds.inc({ result: 'failed' });
    },
  });
  metrics.interval.set(queue.intervalMs / 1000);

  /** Cache events → triggers, through the named predicates. */
  const subscribe = (p: Parts) => {
    const { caches, ctx } = p;
    const cluster = (what: string) => () => queue.add({ kind: 'cluster', what }, debounceMs);
    // the first list is what the first round reads: only changes after it are triggers
    const after = <T>(cache: WatchCache<T>, fn: (change: CacheChange<T>) => void) => cache.onChange((change) => cache.listed && fn(change));
    unsubscribe = [
      after(caches.nodes, cluster('nodes')),
      after(caches.networkPolicies, cluster('networkpolicies')),
      ...caches.managed.map((c) => {
        const drifted = cluster(c.spec.name);
        const check = (change: CacheChange<ActualObject>): void => {
          // the echo of a write whose answer has not arrived yet: decide once it has
          const pending = ctx.writer.pending(change.type === 'delete' ? change.previous : change.object);
          if (pending) void pending.then(() => check(change));
          else if (isDrift(change, (o, deleted) => ctx.writer.isOwnWrite(o, deleted))) drifted();
        };
        return after(c, check);
      }),
      after(caches.pods, (change) => podNeedsRelabel(change, membership.current, (ns) => caches.namespaces.get(ns)) && queue.add({ kind: 'pods', keys: [change.key] }, relabelDelayMs)),
      after(caches.namespaces, (change) => {
        if (!allowListChanged(change)) return;
        const keys = [...caches.pods.entries()].filter(([, pod]) => pod.namespace === change.key).map(([k]) => k);
        if (keys.length) queue.add({ kind: 'pods', keys }, relabelDelayMs);
      }),
    ];
    // SecurityGroupPolicies or ServiceAccount labels changed (setting securityGroupPolicies): the pods they may move
    const policies = membership.current.securityGroupPolicies;
    if (policies?.subscribe) {
      unsubscribe.push(
        policies.subscribe((scope) => {
          const keys = podsInPolicyScope(caches.pods.entries(), scope);
          if (keys.length) queue.add({ kind: 'pods', keys }, relabelDelayMs);
        }),
      );
    }
    const sizes = setInterval(() => recordSizes(caches), 5_000);
    sizes.unref();
    unsubscribe.push(() => clearInterval(sizes));
  };
  const recordSizes = (caches: ClusterCaches) => {
    for (const c of allCaches(caches)) metrics.cacheObjects.set({ cache: c.spec.name }, c.size);
  };
  // the node groups of unannotated pods changed: every pod's labels may have to follow
  membership.onChange(() => leading && queue.add({ kind: 'pods' }, relabelDelayMs));

  const becomeLeader = async () => {
    leading = true;
    metrics.leader.set(1);
    try {
      api ??= deps.calicoApi ?? (await detectCalicoApi(deps.kubeConfig, log));
    } catch (err) {
      log.error({ err: String((err as Error)?.message ?? err) }, 'cannot find Calico: not syncing until leadership changes');
      return;
    }
    if (!leading) return;
    parts = await makeParts(deps, api, metrics, inventory, membership, events);
    subscribe(parts);
    queue.start();
    // only the leader consumes: a message another replica deleted would never reach the leader
    if (settings.awsEventsQueueUrl && !awsEvents) {
      awsEvents = startAwsEvents({ queueUrl: settings.awsEventsQueueUrl, log, onChange: handOver, ...(deps.sqsClient ? { client: deps.sqsClient } : {}), ...(deps.registry ? { metrics: awsEventsMetrics(deps.registry) } : {}) });
    }
  };

  const awsChanged = (change: AwsChange) =>
    queue.add({ kind: 'aws', securityGroupIds: change.securityGroupIds, full: change.full, ...(change.earliestEventTime !== undefined ? { eventTime: change.earliestEventTime } : {}) }, 0);
  /** The consumer's hand-over: refused while not leading, so the batch stays on the queue for the leader. */
  const handOver = (change: AwsChange) => {
    if (!leading || !parts) throw new Error('not the sync leader (any more)');
    awsChanged(change);
  };

  const stepDown = async () => {
    leading = false;
    metrics.leader.set(0);
    const consumer = awsEvents;
    awsEvents = undefined;
    await consumer?.stop();
    for (const u of unsubscribe) u();
    unsubscribe = [];
    await queue.stop();
    for (const c of parts?.owned ?? []) c.stop();
    parts = undefined;
  };

  elector.onChange((leader) => void (leader ? becomeLeader() : stepDown()));
  elector.start();

  return {
    elector,
    queue,
    caches: () => parts?.caches,
    nextRound: () => new Promise<RoundResult>((resolve) => waiters.push(resolve)),
    awsChanged,
    async stop() {
      await stepDown();
      await elector.stop();
    },
  };
}

/** From the oldest trigger to now (the writes' end); an AWS change from its EC2 call (CloudTrail eventTime), so queue and EventBridge delays count too. */
function observePropagation(work: Work, metrics: SyncMetrics): void {
  const seconds = (performance.now() - work.since) / 1000;
  for (const [trigger, n] of Object.entries(work.triggers)) {
    if (!n) continue;
    const fromEvent = trigger === 'aws' && work.awsEventTime !== undefined;
    metrics.propagation.observe({ trigger }, fromEvent ? Math.max(0, Date.now() - work.awsEventTime!) / 1000 : seconds);
  }
}
