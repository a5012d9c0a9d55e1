// The syncer's one work queue: every trigger (a cache event that matters, the AWS timer, an AWS
// change event, a pod to relabel) is folded into the pending work, and the work runs one at a
// time, shortly after its first trigger, so a burst of triggers makes one round. After each run
// the AWS timer is due again after the resync interval; while EC2 throttles, the interval
// doubles (up to 16 times the setting) and comes back down as reads succeed.

export type Trigger =
  /** Start, and the resync interval: a full round with a full AWS read. */
  | { kind: 'timer' }
  /** Something the round reads from the cluster changed (nodes, annotated policies, its own objects). */
  | { kind: 'cluster'; what: string }
  /** AWS changed: re-read only the named groups, or everything (`full`, or no ids); eventTime: the EC2 call's (CloudTrail, ms since the epoch). */
  | { kind: 'aws'; securityGroupIds?: readonly string[]; full?: boolean; eventTime?: number }
  /** Pods whose labels may be wrong (namespace/name), or every pod (the membership policy changed). */
  | { kind: 'pods'; keys?: readonly string[] };

export interface Work {
  /** A round (translate, diff, write) is due; false: only pods to relabel. */
  round: boolean;
  /** Read AWS in full; else re-read only awsGroupIds (none: reuse the last inventory). */
  awsFull: boolean;
  awsGroupIds: ReadonlySet<string>;
  pods: ReadonlySet<string>;
  allPods: boolean;
  /** Triggers folded into this work, by kind. */
  triggers: Readonly<Record<Trigger['kind'], number>>;
  /** When the oldest of them arrived (performance.now()): propagation time is measured from here. */
  since: number;
  /** The earliest EC2 call behind the AWS triggers (ms since the epoch), when their events carried one. */
  awsEventTime?: number;
}

export interface RunOutcome {
  /** EC2 throttled the read: stretch the interval. */
  throttled?: boolean;
  /** Folded into the next work, after `afterMs` (e.g. a partial re-read that needs a full one). */
  requeue?: { trigger: Trigger; afterMs: number };
}

export interface WorkQueueOptions {
  run: (work: Work) => Promise<RunOutcome>;
  /** Resync interval (the AWS timer) in ms. */
  intervalMs: number;
  /** Delay between a trigger and the work it starts (coalescing window). */
  debounceMs?: number;
  /** Told of every change of the pending trigger count and the interval (metrics). */
  onDepth?: (depth: number) => void;
  onInterval?: (intervalMs: number) => void;
  onError?: (err: unknown) => void;
}

const STRETCH_LIMIT = 16;

function emptyWork(): { round: boolean; awsFull: boolean; awsGroupIds: Set<string>; pods: Set<string>; allPods: boolean; triggers: Record<Trigger['kind'], number>; since: number; awsEventTime?: number } {
  return { round: false, awsFull: false, awsGroupIds: new Set(), pods: new Set(), allPods: false, triggers: { timer: 0, cluster: 0, aws: 0, pods: 0 }, since: Infinity };
}

export class WorkQueue {
  private pending = emptyWork();
  private depthNow = 0;
  private timer: NodeJS.Timeout | undefined;
  private dueAt = Infinity;
  /** When the pending work is due by its most urgent trigger (Date.now() ms): work arriving during a run waits no longer than it asked to. */
  private pendingDueAt = Infinity;
  private awsTimer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private active = false;
  private interval: number;

  constructor(private readonly opts: WorkQueueOptions) {
    this.interval = opts.intervalMs;
  }

  /** Triggers waiting to run. */
  get depth(): number {
    return this.depthNow;
  }

  get intervalMs(): number {
    return this.interval;
  }

  /** Starts with a full round at once. */
  start(): void {
    if (this.active) return;
    this.active = true;
    this.add({ kind: 'timer' }, 0);
  }

  /** Stops scheduling; resolves when the work that is running has finished. */
  async stop(): Promise<void> {
    this.active = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.awsTimer) clearTimeout(this.awsTimer);
    this.timer = this.awsTimer = undefined;
    this.dueAt = Infinity;
    this.pending = emptyWork();
    this.pendingDueAt = Infinity;
    this.setDepth(0);
    await this.running;
  }

  add(trigger: Trigger, delayMs = this.opts.debounceMs ?? 500): void {
    if (!this.active) return;
    fold(this.pending, trigger);
    this.pendingDueAt = Math.min(this.pendingDueAt, Date.now() + delayMs);
    this.setDepth(this.depthNow + 1);
    if (!this.running) this.schedule(delayMs);
  }

  private setDepth(n: number): void {
    this.depthNow = n;
    this.opts.onDepth?.(n);
  }

  private schedule(delayMs: number): void {
    const at = Date.now() + delayMs;
    if (this.timer && at >= this.dueAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.dueAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.dueAt = Infinity;
      void this.runPending();
    }, delayMs);
  }

  private async runPending(): Promise<void> {
    if (!this.active || this.running || this.depthNow === 0) return;
    const work = this.pending;
    this.pending = emptyWork();
    this.pendingDueAt = Infinity;
    this.setDepth(0);
    let done!: () => void;
    this.running = new Promise<void>((r) => (done = r));
    let outcome: RunOutcome = {};
    try {
      outcome = await this.opts.run(work);
    } catch (err) {
      this.opts.onError?.(err);
    }
    if (work.awsFull) this.afterFullRead(Boolean(outcome.throttled));
    this.running = undefined;
    done();
    if (!this.active) return;
    if (outcome.requeue) this.add(outcome.requeue.trigger, outcome.requeue.afterMs);
    else if (this.depthNow > 0) this.schedule(Math.max(0, this.pendingDueAt - Date.now()));
  }

  /** The AWS timer: due one interval after each full read, the interval stretched while EC2 throttles. */
  private afterFullRead(throttled: boolean): void {
    const base = this.opts.intervalMs;
    this.interval = throttled ? Math.min(this.interval * 2, base * STRETCH_LIMIT) : Math.max(base, Math.floor(this.interval / 2));
    this.opts.onInterval?.(this.interval);
    if (this.awsTimer) clearTimeout(this.awsTimer);
    if (!this.active) return;
    this.awsTimer = setTimeout(() => this.add({ kind: 'timer' }, 0), this.interval);
  }
}

/** Folds one trigger into the pending work. */
function fold(w: ReturnType<typeof emptyWork>, t: Trigger): void {
  w.triggers[t.kind]++;
  w.since = Math.min(w.since, performance.now());
  switch (t.kind) {
    case 'timer':
      w.round = true;
      w.awsFull = true;
      return;
    case 'cluster':
      w.round = true;
      return;
    case 'aws':
      w.round = true;
      if (t.eventTime !== undefined) w.awsEventTime = Math.min(w.awsEventTime ?? Infinity, t.eventTime);
      if (t.full || !t.securityGroupIds?.length) w.awsFull = true;
      else for (const id of t.securityGroupIds) w.awsGroupIds.add(id.toLowerCase());
      return;
    case 'pods':
      if (!t.keys) w.allPods = true;
      else for (const k of t.keys) w.pods.add(k);
  }
}
