// Namespace annotations for the pod webhook's allow-list (SPEC §1.8): a watch-backed cache
// (client-node informer: list, then watch, restarted after errors). A namespace the cache does not
// hold yet is fetched directly, once, and remembered. When the API cannot tell, the answer is
// `unknown`, and the membership decision fails closed for pods that name groups.
import { CoreV1Api, makeInformer, type KubeConfig, type V1Namespace } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { NamespaceFacts } from '../core/membership/index.js';

export interface NamespaceCacheOptions {
  logger?: Logger;
  /** Longest wait for a direct fetch (also bounded by the apiserver's webhook timeout). */
  fetchTimeoutMs?: number;
  /** Pause before restarting the watch after an error. */
  restartDelayMs?: number;
  /** How long a directly fetched namespace is trusted while the watch has not delivered it. */
  fetchedTtlMs?: number;
}

/** Leaves the apiserver time to receive our answer before its own timeout. */
const RESPONSE_MARGIN_MS = 500;

function annotationsOf(ns: V1Namespace): Record<string, string> {
  return { ...(ns.metadata?.annotations ?? {}) };
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  return typeof code === 'number' ? code : undefined;
}

export class NamespaceCache {
  private readonly api: CoreV1Api;
  private readonly informer;
  private readonly fetched = new Map<string, { facts: NamespaceFacts; at: number }>();
  private readonly inFlight = new Map<string, Promise<NamespaceFacts>>();
  private synced = false;
  private failedSinceStart = false;
  private stopped = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private readonly opts: Required<Omit<NamespaceCacheOptions, 'logger'>> & { logger?: Logger };

  constructor(kc: KubeConfig, opts: NamespaceCacheOptions = {}) {
    this.opts = { fetchTimeoutMs: 2000, restartDelayMs: 2000, fetchedTtlMs: 60_000, ...opts };
    this.api = kc.makeApiClient(CoreV1Api);
    this.informer = makeInformer<V1Namespace>(kc, '/api/v1/namespaces', () => this.api.listNamespace());
    const forget = (ns: V1Namespace) => {
      if (ns.metadata?.name) this.fetched.delete(ns.metadata.name);
    };
    this.informer.on('add', forget);
    this.informer.on('update', forget);
    this.informer.on('error', (err: unknown) => {
      this.failedSinceStart = true;
      if (this.stopped) return;
      this.opts.logger?.warn({ err }, 'namespace watch failed; restarting');
      this.scheduleRestart();
    });
  }

  /**
   * Starts the watch; resolves after the first list, when it failed, or after `waitMs` (an
   * apiserver that does not answer must not hold up serving: fetches still work meanwhile).
   */
  async start(waitMs = 5000): Promise<void> {
    this.stopped = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.startInformer(), new Promise<void>((resolve) => (timer = setTimeout(resolve, waitMs)))]);
    clearTimeout(timer);
  }

  private scheduleRestart(): void {
    if (this.stopped || this.restartTimer) return;
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      void this.startInformer();
    }, this.opts.restartDelayMs);
    this.restartTimer.unref();
  }

  private async startInformer(): Promise<void> {
    if (this.stopped) return;
    this.failedSinceStart = false;
    try {
      // Resolves once the list has arrived and the watch is open; a failed list does not reject
      // but emits 'error' (client-node's ListWatch), hence the flag.
      await this.informer.start();
      if (!this.failedSinceStart) this.synced = true;
    } catch (err) {
      this.opts.logger?.warn({ err }, 'namespace list failed; retrying, and fetching namespaces one by one meanwhile');
      this.scheduleRestart();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    await this.informer.stop();
  }

  /** True once the first list has arrived. */
  get ready(): boolean {
    return this.synced;
  }

  /** What the allow-list needs to know of a namespace. `timeoutMs` is the apiserver's wait. */
  async facts(name: string, timeoutMs?: number): Promise<NamespaceFacts> {
    const cached = this.informer.get(name);
    if (cached) return { allowList: 'on', annotations: annotationsOf(cached) };
    const remembered = this.fetched.get(name);
    if (remembered && Date.now() - remembered.at < this.opts.fetchedTtlMs) return remembered.facts;
    let pending = this.inFlight.get(name);
    if (!pending) {
      pending = this.fetch(name, timeoutMs).finally(() => this.inFlight.delete(name));
      this.inFlight.set(name, pending);
    }
    return pending;
  }

  private async fetch(name: string, timeoutMs?: number): Promise<NamespaceFacts> {
    const limit = Math.max(100, Math.min(this.opts.fetchTimeoutMs, (timeoutMs ?? Infinity) - RESPONSE_MARGIN_MS));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${limit} ms`)), limit);
    });
    try {
      const ns = await Promise.race([this.api.readNamespace({ name }), timeout]);
      const facts: NamespaceFacts = { allowList: 'on', annotations: annotationsOf(ns) };
      this.fetched.set(name, { facts, at: Date.now() });
      return facts;
    } catch (err) {
      const status = statusOf(err);
      const problem = status === 404 ? 'the namespace does not exist' : status ? `the Kubernetes API answered HTTP ${status}` : (err as Error).message;
      this.opts.logger?.warn({ namespace: name, problem }, 'namespace lookup failed; pods there that name security groups are denied');
      return { allowList: 'unknown', problem };
    } finally {
      clearTimeout(timer);
    }
  }
}
