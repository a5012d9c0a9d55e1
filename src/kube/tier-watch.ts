// The Tier watch every replica runs for the validating webhook (SPEC §2 rule 3): which API group
// holds Calico's tiers is found by discovery, retried until it answers (a replica that starts while
// the apiserver or Calico is not there yet must not go without the lookup for good), then the
// watch-fed tierCache keeps every Tier's name and order. Until it has listed them, tiers() says why
// not, and the rule fails closed.
import type { KubeConfig } from '@kubernetes/client-node';
import type { TierObject } from '../core/protection/tier-facts.js';
import { detectCalicoApi } from './calico-api.js';
import { tierCache } from './cluster-caches.js';
import { kubeFailure } from './errors.js';
import type { CacheOptions, WatchCache } from './watch-cache.js';

export interface TierWatchOptions extends CacheOptions {
  /** Wait between failed discoveries (default 5 s). */
  discoveryRetryMs?: number;
}

export class TierWatch {
  private cache: WatchCache<TierObject> | undefined;
  private problem = 'the Tier watch has not started';
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: TierWatchOptions = {},
  ) {}

  /** Starts discovery, then the watch; returns at once. */
  start(): void {
    this.stopped = false;
    void this.discover();
  }

  private async discover(): Promise<void> {
    try {
      const api = await detectCalicoApi(this.kc);
      if (this.stopped) return;
      this.cache = tierCache(this.kc, api, this.opts);
      void this.cache.start();
    } catch (err) {
      if (this.stopped) return;
      this.problem = `cannot tell where Calico's tiers are: ${kubeFailure(err).message}`;
      this.opts.log?.warn({ err: this.problem }, 'Tier watch: discovery failed, retrying; policies in tiers the webhook cannot place are refused meanwhile');
      this.retry = setTimeout(() => void this.discover(), this.opts.discoveryRetryMs ?? 5_000);
      this.retry.unref();
    }
  }

  /** Every Tier as the watch holds it, or why it cannot tell (not listed yet, or its list failed). */
  tiers(): readonly TierObject[] | { problem: string } {
    const cache = this.cache;
    if (!cache) return { problem: this.problem };
    if (!cache.ready) return { problem: `the Tier watch cannot tell tier orders: ${cache.problem ?? 'not listed yet'}` };
    return [...cache.values()];
  }

  stop(): void {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    this.cache?.stop();
  }
}
