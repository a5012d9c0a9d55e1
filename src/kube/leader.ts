// Leader election on a coordination.k8s.io Lease (SPEC §4), the client-go way: the holder renews
// every retry period; others take over only after they have seen the same record unchanged for a
// whole lease duration (their own clock, so clock skew between nodes does not matter); a leader
// that cannot renew within the renew deadline steps down; stop() releases the Lease so a
// successor need not wait. Every write carries the resourceVersion read (409 = someone else won).
import { CoordinationV1Api, type KubeConfig, V1MicroTime, type V1Lease } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { kubeFailure } from './errors.js';

export const LEASE_NAME = 'sgbridge-syncer';

export interface LeaderOptions {
  kubeConfig: KubeConfig;
  namespace: string;
  identity: string;
  name?: string;
  leaseDurationSeconds?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  log?: Logger;
}

type Attempt = 'leader' | 'other' | 'error';

export class LeaderElector {
  readonly name: string;
  private readonly api: CoordinationV1Api;
  private readonly durationSeconds: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private leader = false;
  private running = false;
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> = Promise.resolve();
  private lastRenewAt = 0;
  private observed = '';
  private observedAt = 0;
  private readonly listeners = new Set<(leader: boolean) => void>();
  private readonly annotations: Record<string, string> = {};
  private lease: V1Lease | undefined;

  constructor(private readonly opts: LeaderOptions) {
    this.name = opts.name ?? LEASE_NAME;
    this.api = opts.kubeConfig.makeApiClient(CoordinationV1Api);
    this.durationSeconds = opts.leaseDurationSeconds ?? 15;
    this.renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = opts.retryPeriodMs ?? 2_000;
  }

  isLeader(): boolean {
    return this.leader;
  }

  /** The Lease's uid once read (Events point at it). */
  get leaseUid(): string | undefined {
    return this.lease?.metadata?.uid;
  }

  onChange(listener: (leader: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(0);
  }

  /**
   * Stops campaigning; a leader releases the Lease (holder cleared) so another replica can take it
   * at once. `release: false` just goes quiet, as a crashed replica would (tests).
   */
  async stop(opts: { release?: boolean } = {}): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    await this.inFlight;
    if (this.leader && opts.release === false) this.setLeader(false);
    if (this.leader) {
      await this.release().catch((err) => this.opts.log?.warn({ err: kubeFailure(err).message }, 'could not release the leader Lease; others take over when it expires'));
      this.setLeader(false);
    }
  }

  /** Sets an annotation on the Lease; it goes out with the next renewal (no extra write). */
  annotate(key: string, value: string): void {
    this.annotations[key] = value;
  }

  private schedule(ms: number): void {
    if (!this.running) return;
    this.timer = setTimeout(() => {
      const run = this.tick();
      this.inFlight = run;
      void run.finally(() => this.schedule(this.retryPeriodMs));
    }, ms);
    this.timer.unref?.();
  }

  private async tick(): Promise<void> {
    const result = await this.attempt();
    if (!this.running) return;
    if (result === 'leader') {
      this.lastRenewAt = Date.now();
      this.setLeader(true);
    } else if (result === 'other') {
      this.setLeader(false);
    } else if (this.leader && Date.now() - this.lastRenewAt > this.renewDeadlineMs) {
      this.opts.log?.warn({ lease: this.name }, `could not renew the leader Lease within ${this.renewDeadlineMs} ms: stepping down`);
      this.setLeader(false);
    }
  }

  private setLeader(leader: boolean): void {
    if (leader === this.leader) return;
    this.leader = leader;
    this.opts.log?.info({ lease: this.name, identity: this.opts.identity }, leader ? 'became the syncer leader' : 'no longer the syncer leader');
    for (const l of this.listeners) l(leader);
  }

  private spec(current: V1Lease | undefined, now: V1MicroTime): V1Lease['spec'] {
    const spec = current?.spec ?? {};
    const mine = spec.holderIdentity === this.opts.identity;
    const transitions = spec.leaseTransitions ?? 0;
    return {
      holderIdentity: this.opts.identity,
      leaseDurationSeconds: this.durationSeconds,
      acquireTime: mine && spec.acquireTime ? spec.acquireTime : now,
      renewTime: now,
      leaseTransitions: mine || !spec.holderIdentity ? transitions : transitions + 1,
    };
  }

  private async attempt(): Promise<Attempt> {
    const ns = this.opts.namespace;
    let current: V1Lease;
    try {
      current = await this.api.readNamespacedLease({ name: this.name, namespace: ns });
    } catch (err) {
      const f = kubeFailure(err);
      if (f.status !== 404) return this.failed('read', f.message);
      try {
        this.lease = await this.api.createNamespacedLease({
          namespace: ns,
          body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: this.name, namespace: ns, annotations: { ...this.annotations } }, spec: this.spec(undefined, new V1MicroTime()) },
        });
        return 'leader';
      } catch (err2) {
        const f2 = kubeFailure(err2);
        return f2.status === 409 ? 'other' : this.failed('create', f2.message);
      }
    }
    this.lease = current;
    const spec = current.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const record = `${holder}|${String(spec.renewTime)}|${current.metadata?.resourceVersion}`;
    const now = Date.now();
    if (record !== this.observed) {
      this.observed = record;
      this.observedAt = now;
    }
    const durationMs = (spec.leaseDurationSeconds ?? this.durationSeconds) * 1000;
    if (holder && holder !== this.opts.identity && now < this.observedAt + durationMs) return 'other';
    const body: V1Lease = {
      ...current,
      metadata: { ...current.metadata, annotations: { ...(current.metadata?.annotations ?? {}), ...this.annotations } },
      spec: this.spec(current, new V1MicroTime()),
    };
    try {
      this.lease = await this.api.replaceNamespacedLease({ name: this.name, namespace: ns, body });
      return 'leader';
    } catch (err) {
      const f = kubeFailure(err);
      return f.status === 409 ? 'other' : this.failed('update', f.message);
    }
  }

  private failed(step: string, message: string): Attempt {
    this.opts.log?.warn({ lease: this.name, step }, `leader Lease ${step} failed: ${message}`);
    return 'error';
  }

  private async release(): Promise<void> {
    const current = await this.api.readNamespacedLease({ name: this.name, namespace: this.opts.namespace });
    if (current.spec?.holderIdentity !== this.opts.identity) return;
    await this.api.replaceNamespacedLease({
      name: this.name,
      namespace: this.opts.namespace,
      body: { ...current, spec: { ...current.spec, holderIdentity: '', leaseDurationSeconds: 1, renewTime: new V1MicroTime() } },
    });
  }
}
