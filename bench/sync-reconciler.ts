// The reconciler of the sync benchmark, in a process of its own so that its CPU and peak RSS are
// sgbridge's alone, not the benchmark's (which generates the inventory, runs the re-list baseline
// and hosts the SQS double). Runs as sgbridge ships: plain `node` (this file through Node's own
// type stripping, so only erasable TypeScript here) over the compiled dist/ (`npm run bench`
// builds it first). The inventory comes from a JSON file, as an EC2 read would hand it over; the
// benchmark drives the phases over IPC (SyncReconcilerRequest) and this process answers each.
import { existsSync, readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type * as AwsEvents from '../src/aws/aws-events.js';
import type { Inventory, SecurityGroup } from '../src/core/inventory.js';
import type * as InventoryPatch from '../src/core/inventory-patch.js';
import type * as SettingsModule from '../src/core/settings.js';
import type * as SyncerModule from '../src/sync/syncer.js';
import type { RoundResult } from '../src/sync/syncer.js';

export interface SyncReconcilerOptions {
  kubeconfig: string;
  inventoryFile: string;
  sqs: { endpoint: string; queueUrl: string };
  runs: number;
}

export type SyncReconcilerRequest =
  | { cmd: 'start'; options: SyncReconcilerOptions }
  | { cmd: 'rounds' }
  | { cmd: 'cpu' }
  | { cmd: 'edit'; groupId: string }
  | { cmd: 'await-round' }
  | { cmd: 'memory' }
  | { cmd: 'stop' };

export interface Started {
  startMs: number;
  result: RoundResult['result'];
  applied: number;
  problems: string[];
  /** Heap held once the caches are full and the first round is done (after a GC). */
  heapBytes: number;
}

const DIST = new URL('../dist/', import.meta.url);

async function built<T>(path: string): Promise<T> {
  const url = new URL(path, DIST);
  if (!existsSync(fileURLToPath(url))) throw new Error(`${fileURLToPath(url)} is missing: run \`npm run build\` (npm run bench does) before the sync benchmark`);
  return (await import(url.href)) as T;
}

const { startSyncer } = await built<typeof SyncerModule>('sync/syncer.js');
const { createSqsClient } = await built<typeof AwsEvents>('aws/aws-events.js');
const { withSecurityGroups } = await built<typeof InventoryPatch>('core/inventory-patch.js');
const { defaultSettings } = await built<typeof SettingsModule>('core/settings.js');
const { KubeConfig } = await import('@kubernetes/client-node');
const { pino } = await import('pino');
const { Registry } = await import('prom-client');

const gc = (globalThis as { gc?: () => void }).gc ?? (() => undefined);
let syncer: SyncerModule.Syncer | undefined;
let current: Inventory | undefined;
let next: Promise<RoundResult> | undefined;

async function start(o: SyncReconcilerOptions): Promise<Started> {
  current = JSON.parse(readFileSync(o.inventoryFile, 'utf8')) as Inventory;
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromString(o.kubeconfig);
  const settings = { ...defaultSettings(), awsEventsQueueUrl: o.sqs.queueUrl };
  const heapBefore = (gc(), process.memoryUsage().heapUsed);
  syncer = startSyncer({
    kubeConfig,
    settings,
    log: pino({ level: 'silent' }),
    registry: new Registry(),
    readInventory: async () => current!,
    calicoApi: 'crd',
    identity: 'bench',
    cacheWaitMs: 300_000,
    // the idle figures compare at the default interval, not the longer one events allow
    intervalMs: settings.resyncInterval * 1000,
    sqsClient: createSqsClient(o.sqs.queueUrl, { endpoint: o.sqs.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } }),
    // what DescribeSecurityGroups by id would answer, merged as readInventoryAfterChange merges it
    readAfterChange: async (ids, last) => ({ inventory: withSecurityGroups(last, { securityGroups: current!.securityGroups.filter((g) => ids.includes(g.groupId)), goneIds: [], prefixLists: current!.prefixLists }, ids), read: 'groups' }),
  });
  const t = performance.now();
  const first = await syncer.nextRound();
  const startMs = performance.now() - t;
  gc();
  return { startMs, result: first.result, applied: first.applied, problems: first.problems, heapBytes: process.memoryUsage().heapUsed - heapBefore };
}

async function cachedRounds(runs: number): Promise<RoundResult[]> {
  const out: RoundResult[] = [];
  for (let i = 0; i < runs; i++) {
    const round = syncer!.nextRound();
    syncer!.queue.add({ kind: 'cluster', what: 'bench' }, 0);
    out.push(await round);
  }
  return out;
}

/** One rule more on `groupId` in AWS; the benchmark then puts its event on the queue. */
function edit(groupId: string): void {
  const group = current!.securityGroups.find((g) => g.groupId === groupId)!;
  const edited: SecurityGroup = { ...group, inbound: [...group.inbound, { ipProtocol: 'tcp', fromPort: 9443, toPort: 9443, ipRanges: [{ cidrIp: '10.250.0.0/16' }] }] };
  current = { ...current!, securityGroups: current!.securityGroups.map((g) => (g.groupId === groupId ? edited : g)) };
  next = syncer!.nextRound();
}

let runs = 1;
process.on('message', (m: SyncReconcilerRequest) => {
  const reply = (p: Promise<unknown> | unknown) =>
    void Promise.resolve(p).then(
      (value) => process.send!({ ok: true, value }),
      (err: unknown) => process.send!({ ok: false, error: String((err as Error)?.stack ?? err) }),
    );
  switch (m.cmd) {
    case 'start':
      runs = m.options.runs;
      return reply(start(m.options));
    case 'rounds':
      return reply(cachedRounds(runs));
    case 'cpu': {
      const { user, system } = process.cpuUsage();
      return reply(user + system);
    }
    case 'edit':
      return reply(edit(m.groupId));
    case 'await-round':
      return reply(next);
    case 'memory':
      return reply({ maxRssBytes: process.resourceUsage().maxRSS * 1024, rssBytes: process.memoryUsage.rss() });
    case 'stop':
      return reply(syncer?.stop().then(() => void setImmediate(() => process.exit(0))));
  }
});
process.send!({ ok: true, value: 'ready' });
