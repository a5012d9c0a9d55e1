// Namespace annotations for the pod webhook's allow-list (SPEC §1.8), from the watch-fed
// namespace cache (the one way sgbridge watches). A namespace the cache does not hold yet is
// fetched directly, once, and remembered until the watch delivers it; a failed lookup is
// remembered briefly too, so a burst of pods in a namespace the API cannot tell about costs one
// GET, not one per pod. When the API cannot tell, the answer is `unknown`, and the membership
// decision fails closed for pods that name groups.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { NamespaceFacts } from '../core/membership/index.js';
import { namespaceAnnotationsOf, namespaceCache, type NamespaceAnnotations } from './cluster-caches.js';
import type { CacheOptions, WatchCache } from './watch-cache.js';

export interface NamespaceCacheOptions {
  logger?: Logger;
  /** Longest wait for a direct fetch (also bounded by the apiserver's webhook timeout). */
  fetchTimeoutMs?: number;
  /** Pause before restarting the watch after an error. */
  restartDelayMs?: number;
  /** How long a directly fetched namespace is trusted while the watch has not delivered it. */
  fetchedTtlMs?: number;
  /** How long a failed lookup is remembered (its `unknown` answer reused) while the watch has not delivered the namespace. */
  failedTtlMs?: number;
  /** Watch settings of the underlying cache (timeouts, watchdog, safety re-list). */
  watch?: CacheOptions;
}

/** Leaves the apiserver time to receive our answer before its own timeout. */
const RESPONSE_MARGIN_MS = 500;

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class NamespaceCache {
  private readonly api: CoreV1Api;
  /** The watch-fed cache itself: the syncer reads the same one. */
  readonly cache: WatchCache<NamespaceAnnotations>;
  private readonly remembered = new Map<string, { facts: NamespaceFacts; until: number }>();
  private readonly inFlight = new Map<string, Promise<NamespaceFacts>>();
  private readonly opts: Required<Omit<NamespaceCacheOptions, 'logger' | 'watch'>> & { logger?: Logger };

  constructor(kc: KubeConfig, opts: NamespaceCacheOptions = {}) {
    this.opts = { fetchTimeoutMs: 2000, restartDelayMs: 2000, fetchedTtlMs: 60_000, failedTtlMs: 1000, ...opts };
    this.api = kc.makeApiClient(CoreV1Api);
    this.cache = namespaceCache(kc, { restartDelayMs: this.opts.restartDelayMs, ...(opts.logger ? { log: opts.logger } : {}), ...opts.watch });
    // the watch has the namespace now: what was fetched or failed for it is out of date
    this.cache.onChange((change) => this.remembered.delete(change.key));
  }

  /**
   * Starts the watch; resolves after the first list, when it failed, or after `waitMs` (an
   * apiserver that does not answer must not hold up serving: fetches still work meanwhile).
   */
  async start(waitMs = 5000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    void this.cache.start();
    await Promise.race([this.cache.attempted(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  async stop(): Promise<void> {
    this.cache.stop();
  }

  /** True once the first list has arrived (and the watch is healthy). */
  get ready(): boolean {
    return this.cache.ready;
  }

  /** What the allow-list needs to know of a namespace. `timeoutMs` is the apiserver's wait. */
  async facts(name: string, timeoutMs?: number): Promise<NamespaceFacts> {
    const cached = this.cache.get(name);
    if (cached) return { allowList: 'on', annotations: { ...cached } };
    const remembered = this.remembered.get(name);
    if (remembered && Date.now() < remembered.until) return remembered.facts;
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.fetch(name, timeoutMs).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  private remember(name: string, facts: NamespaceFacts, ttlMs: number): NamespaceFacts {
    this.remembered.set(name, { facts, until: Date.now() + ttlMs });
    return facts;
  }

  private async fetch(name: string, timeoutMs?: number): Promise<NamespaceFacts> {
    const limit = Math.max(100, Math.min(this.opts.fetchTimeoutMs, (timeoutMs ?? Infinity) - RESPONSE_MARGIN_MS));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
    });
    try {
      const ns = await Promise.race([this.api.readNamespace({ name }), timeout]);
      return this.remember(name, { allowList: 'on', annotations: namespaceAnnotationsOf(ns as never) }, this.opts.fetchedTtlMs);
    } catch (err) {
      const status = statusOf(err);
      const problem = status === 404 ? 'the namespace does not exist' : status ? `the Kubernetes API answered HTTP ${status}` : (err as Error).message;
      this.opts.logger?.warn({ namespace: name, problem }, 'namespace lookup failed; pods there that name security groups are denied');
      return this.remember(name, { allowList: 'unknown', problem }, this.opts.failedTtlMs);
    } finally {
      clearTimeout(timer);
    }
  }
}
