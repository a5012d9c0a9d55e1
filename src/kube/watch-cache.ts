// The one way sgbridge watches a collection: list it once (all pages), keep only the facts it
// needs of each object, then follow a watch from the list's resourceVersion. In steady state
// there are no LISTs: a watch the server ends, that fails, or that goes silent (client-node
// watches can stop without a word) is reopened from the last resourceVersion it saw, bookmarks
// included. Only `410 Gone` (the version is too old) or the long safety period re-lists.
// Hand-written rather than client-node's ListWatch: that keeps whole objects (a 5,000-pod cluster
// would cost hundreds of MB), asks for no bookmarks, has no watchdog, and stops for good after
// an error that is not a 410.
import { isDeepStrictEqual } from 'node:util';
import { type KubeConfig, Watch } from '@kubernetes/client-node';
import type { Logger } from '../log.js';
import { kubeFailure } from './errors.js';

export interface ListPage {
  items?: unknown[];
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

export interface CacheSpec<T> {
  /** Names the cache in logs and metrics, e.g. "nodes". */
  name: string;
  /** API path of the collection, e.g. /api/v1/nodes. */
  path: string;
  labelSelector?: string;
  /** One page of the collection, as the API's JSON (raw-list.ts). */
  list: (page: { limit: number; continue?: string }) => Promise<ListPage>;
  /** What to keep of an object; undefined leaves it out (e.g. a NetworkPolicy without the annotation). */
  keep: (obj: Record<string, unknown>) => T | undefined;
}

export type CacheChange<T> = { type: 'upsert'; key: string; object: T; previous?: T } | { type: 'delete'; key: string; previous: T };

/** Why a watch was reopened or the collection re-listed (a metric label). */
export type RestartReason = 'ended' | 'failed' | 'silent' | 'expired' | 'period';

export interface CacheOptions {
  /** Server-side timeoutSeconds of each watch request (the server then ends it cleanly). */
  timeoutSeconds?: number;
  /** Reopen a watch that delivered nothing, not even a bookmark, for this long. */
  silenceMs?: number;
  /** Pause before reopening a watch that failed, or re-listing after a failed list. */
  restartDelayMs?: number;
  /** Re-list this often even when every watch is healthy (the safety period); 0 = never. */
  relistMs?: number;
  pageSize?: number;
  log?: Logger;
  /** Told of every watch reopen and re-list (metrics). */
  onRestart?: (cache: string, reason: RestartReason) => void;
}

const PAGE_SIZE = 500;

export function keyOf(obj: { metadata?: { name?: string; namespace?: string } } | undefined): string {
  const meta = obj?.metadata;
  return meta?.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta?.name ?? '');
}

function settable(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export class WatchCache<T> {
  private readonly watch: Watch;
  private readonly items = new Map<string, T>();
  private readonly listeners: ((change: CacheChange<T>) => void)[] = [];
  private resourceVersion: string | undefined;
  private abort: AbortController | undefined;
  private stopped = true;
  private generation = 0;
  private lastActivity = Date.now();
  private timers: NodeJS.Timeout[] = [];
  private retryTimer: NodeJS.Timeout | undefined;
  private syncedOnce = false;
  private readonly firstSync: { promise: Promise<void>; resolve: () => void };
  private readonly firstAttempt: { promise: Promise<void>; resolve: () => void };
  /** Why the cache cannot be trusted right now (a re-list failed); undefined when it can. */
  problem: string | undefined = 'not listed yet';
  /** LIST requests made (pages), watch requests opened: tests and the benchmark read them. */
  lists = 0;
  watches = 0;
  /** Failed lists or watch requests since the last one that succeeded. */
  failuresInARow = 0;

  constructor(
    kc: KubeConfig,
    readonly spec: CacheSpec<T>,
    private readonly opts: CacheOptions = {},
  ) {
    this.watch = new Watch(kc);
    // client-node's own inactivity timeout would abort quiet but healthy watches every 30 s; the
    // watchdog below decides when a quiet watch is dead
    (this.watch as unknown as { requestTimeoutMs: number }).requestTimeoutMs = this.silenceMs + 10_000;
    this.firstSync = settable();
    this.firstAttempt = settable();
  }

  private get silenceMs(): number {
    return this.opts.silenceMs ?? 300_000;
  }

  /** Starts listing and watching; resolves after the first full list. */
  start(): Promise<void> {
    if (!this.stopped) return this.firstSync.promise;
    this.stopped = false;
    const watchdog = setInterval(() => {
      if (Date.now() - this.lastActivity > this.silenceMs) this.reopen('silent', 0);
    }, Math.max(25, Math.min(this.silenceMs / 2, 30_000)));
    this.timers.push(watchdog);
    if (this.opts.relistMs) this.timers.push(setInterval(() => this.relist('period'), this.opts.relistMs));
    for (const t of this.timers) t.unref();
    void this.open();
    return this.firstSync.promise;
  }

  stop(): void {
    this.stopped = true;
    this.generation++;
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  /** Resolves once the first list has arrived. */
  synced(): Promise<void> {
    return this.firstSync.promise;
  }

  /** Resolves once the first list has arrived or failed. */
  attempted(): Promise<void> {
    return this.firstAttempt.promise;
  }

  get ready(): boolean {
    return this.syncedOnce && this.problem === undefined;
  }

  /** True once the first list has arrived (changes before it are the list itself). */
  get listed(): boolean {
    return this.syncedOnce;
  }

  get size(): number {
    return this.items.size;
  }

  get(key: string): T | undefined {
    return this.items.get(key);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  entries(): IterableIterator<[string, T]> {
    return this.items.entries();
  }

  /** Called for every change to the kept facts (not for updates that change nothing kept). */
  onChange(fn: (change: CacheChange<T>) => void): () => void {
    this.listeners.push(fn);
    return () => {
      const i = this.listeners.indexOf(fn);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  private emit(change: CacheChange<T>): void {
    for (const fn of this.listeners) fn(change);
  }

  private upsert(key: string, kept: T | undefined): void {
    const previous = this.items.get(key);
    if (kept === undefined) {
      if (previous !== undefined) this.remove(key);
      return;
    }
    if (previous !== undefined && isDeepStrictEqual(previous, kept)) return;
    this.items.set(key, kept);
    this.emit({ type: 'upsert', key, object: kept, ...(previous !== undefined ? { previous } : {}) });
  }

  private remove(key: string): void {
    const previous = this.items.get(key);
    if (previous === undefined) return;
    this.items.delete(key);
    this.emit({ type: 'delete', key, previous });
  }

  private relist(reason: RestartReason): void {
    if (this.stopped) return;
    this.resourceVersion = undefined;
    this.reopen(reason, 0);
  }

  private reopen(reason: RestartReason, delayMs: number): void {
    if (this.stopped) return;
    this.opts.onRestart?.(this.spec.name, reason);
    this.opts.log?.debug({ cache: this.spec.name, reason }, this.resourceVersion ? 'reopening the watch' : 're-listing');
    this.generation++;
    this.abort?.abort();
    this.abort = undefined;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.lastActivity = Date.now();
    this.retryTimer = setTimeout(() => void this.open(), delayMs);
    this.retryTimer.unref();
  }

  /**
   * The whole collection; what the cache held and the list lacks was deleted meanwhile. Each page
   * is reduced to what keep() takes of its items as it arrives, so the whole objects of one page
   * at most are held at a time, however large the collection.
   */
  private async listAll(gen: number): Promise<boolean> {
    const seen = new Map<string, T | undefined>();
    let token: string | undefined;
    let rv: string | undefined;
    do {
      this.lists++;
      // the page is reduced in a call of its own: no local holds it while the next one is awaited
      const meta = this.keepPage(await this.spec.list({ limit: this.opts.pageSize ?? PAGE_SIZE, ...(token ? { continue: token } : {}) }), seen);
      if (gen !== this.generation) return false;
      token = meta?.continue || meta?._continue || undefined;
      rv = meta?.resourceVersion;
    } while (token);
    for (const key of [...this.items.keys()]) if (!seen.has(key)) this.remove(key);
    for (const [key, kept] of seen) this.upsert(key, kept);
    this.resourceVersion = rv;
    this.problem = undefined;
    this.failuresInARow = 0;
    if (!this.syncedOnce) {
      this.syncedOnce = true;
      this.firstSync.resolve();
      this.firstAttempt.resolve();
    }
    return true;
  }

  private keepPage(page: ListPage, into: Map<string, T | undefined>): ListPage['metadata'] {
    for (const item of page.items ?? []) into.set(keyOf(item as never), this.spec.keep(item as Record<string, unknown>));
    return page.metadata;
  }

  private async open(): Promise<void> {
    if (this.stopped) return;
    const gen = this.generation;
    this.lastActivity = Date.now();
    try {
      if (!this.resourceVersion && !(await this.listAll(gen))) return;
      const query: Record<string, string | number | boolean> = { allowWatchBookmarks: true, timeoutSeconds: this.opts.timeoutSeconds ?? 300 };
      if (this.spec.labelSelector) query.labelSelector = this.spec.labelSelector;
      if (this.resourceVersion) query.resourceVersion = this.resourceVersion;
      this.watches++;
      let refused = false;
      const abort = await this.watch.watch(
        this.spec.path,
        query,
        (type, obj: Record<string, unknown>) => this.onEvent(gen, type, obj),
        (err) => {
          refused ||= Boolean(err);
          this.onDone(gen, err);
        },
      );
      if (gen !== this.generation) abort.abort();
      else {
        this.abort = abort;
        // the watch is open again: whatever it missed, it replays from the version it resumed at
        if (!refused) {
          this.problem = undefined;
          this.failuresInARow = 0;
        }
      }
    } catch (err) {
      if (gen !== this.generation || this.stopped) return;
      this.failed(err);
    }
  }

  private onEvent(gen: number, type: string, obj: Record<string, unknown>): void {
    if (gen !== this.generation) return;
    this.lastActivity = Date.now();
    if (type === 'ERROR') {
      // 410 Expired: the version is too old to resume from; the stream ends after this
      if ((obj as { code?: number }).code === 410) this.resourceVersion = undefined;
      return;
    }
    const rv = (obj?.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const key = keyOf(obj as never);
    if (type === 'DELETED') this.remove(key);
    else this.upsert(key, this.spec.keep(obj));
  }

  private onDone(gen: number, err: unknown): void {
    if (gen !== this.generation || this.stopped) return;
    if (err && (err as { statusCode?: number }).statusCode === 410) this.resourceVersion = undefined;
    if (!this.resourceVersion) this.reopen('expired', 0);
    else if (err && (err as { name?: string }).name !== 'AbortError') this.failed(err);
    else this.reopen('ended', 0);
  }

  private failed(err: unknown): void {
    const { message } = kubeFailure(err);
    // a cache that can neither list nor watch may be missing changes: not to be trusted until it can
    this.problem = message;
    this.failuresInARow++;
    this.firstAttempt.resolve();
    this.opts.log?.debug({ cache: this.spec.name, err: message }, 'watch or list failed: retrying');
    this.reopen('failed', this.opts.restartDelayMs ?? 1_000);
  }
}
