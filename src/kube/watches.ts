// Change triggers for the syncer: a watch per resource that restarts whenever it ends (errors,
// server timeouts, 410 Expired → start again from a fresh list), plus a watchdog that restarts a
// watch which has been silent too long — @kubernetes/client-node watches can stop without a word.
// The syncer re-lists everything each round, so a watch only has to say "something changed".
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from '../log.js';

export interface WatchSpec {
  /** API path of the collection, e.g. /api/v1/nodes or /apis/crd.projectcalico.org/v1/tiers. */
  path: string;
  labelSelector?: string;
  /** Return false to ignore an event (e.g. NetworkPolicies without the annotation). */
  filter?: (type: string, obj: Record<string, unknown>) => boolean;
  /** The collection's current resourceVersion (a list with limit=1): where a fresh watch starts. */
  listResourceVersion: () => Promise<string | undefined>;
}

export interface WatchOptions {
  /** Server-side timeoutSeconds of each watch request (the server then ends it cleanly). */
  timeoutSeconds?: number;
  /** Restart a watch that delivered nothing (not even a bookmark) for this long. */
  silenceMs?: number;
  /** Delay before a restart after a watch ended or failed. */
  restartDelayMs?: number;
  log?: Logger;
}

export class TriggerWatch {
  private readonly watch: Watch;
  private abort: AbortController | undefined;
  private resourceVersion: string | undefined;
  private lastActivity = Date.now();
  private stopped = true;
  private restartTimer: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private generation = 0;
  /** Started watch requests (tests and metrics read it). */
  starts = 0;

  constructor(
    kc: KubeConfig,
    private readonly spec: WatchSpec,
    private readonly onChange: (path: string) => void,
    private readonly opts: WatchOptions = {},
  ) {
    this.watch = new Watch(kc);
    // the client's own inactivity timeout would abort quiet but healthy watches every 30 s
    (this.watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = (opts.silenceMs ?? 300_000) + 10_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const silence = this.opts.silenceMs ?? 300_000;
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastActivity > silence) {
        this.opts.log?.debug({ path: this.spec.path }, 'watch silent too long: restarting');
        this.resourceVersion = undefined;
        this.restart(0);
      }
    }, Math.max(50, Math.min(silence / 2, 30_000)));
    this.watchdog.unref?.();
    void this.open();
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.abort?.abort();
    this.abort = undefined;
  }

  private restart(delayMs: number): void {
    if (this.stopped) return;
    this.generation++;
    this.abort?.abort();
    this.abort = undefined;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = setTimeout(() => void this.open(), delayMs);
    this.restartTimer.unref?.();
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const gen = this.generation;
    this.lastActivity = Date.now();
    this.starts++;
    const query: Record<string, string | number | boolean> = { allowWatchBookmarks: true, timeoutSeconds: this.opts.timeoutSeconds ?? 240 };
    if (this.spec.labelSelector) query.labelSelector = this.spec.labelSelector;
    try {
      if (!this.resourceVersion) {
        // start from the current state (a list), not from a replay of every object as ADDED;
        // after a gap (410, silence, failure) changes may have been missed: ask for a round
        this.resourceVersion = await this.spec.listResourceVersion();
        if (gen !== this.generation || this.stopped) return;
        if (this.starts > 1) this.onChange(this.spec.path);
      }
      if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
      this.abort = await this.watch.watch(
        this.spec.path,
        query,
        (type, obj: Record<string, unknown>) => {
          if (gen !== this.generation) return;
          this.lastActivity = Date.now();
          const rv = (obj?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
          if (type === 'ERROR') {
            // 410 Expired and friends: forget the resourceVersion and start over
            this.resourceVersion = undefined;
            return;
          }
          if (rv) this.resourceVersion = rv;
          if (type === 'BOOKMARK') return;
          if (this.spec.filter && !this.spec.filter(type, obj)) return;
          this.onChange(this.spec.path);
        },
        (err) => {
          if (gen !== this.generation || this.stopped) return;
          if (err) this.opts.log?.debug({ path: this.spec.path, err: String(err) }, 'watch ended with an error: restarting');
          this.restart(err ? (this.opts.restartDelayMs ?? 1_000) : 0);
        },
      );
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.opts.log?.debug({ path: this.spec.path, err: String(err) }, 'watch failed to start: retrying');
      this.restart(this.opts.restartDelayMs ?? 1_000);
    }
  }
}
