// The syncer's Prometheus metrics, named and described in src/metric-names.ts (dashboards and
// alerts rely on the names). Registering twice on one registry returns the metrics already there.
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { listedMetrics } from '../metrics.js';

export interface SyncMetrics {
  roundDuration: Histogram;
  rounds: Counter<'result'>;
  lastSuccess: Gauge;
  objects: Gauge<'kind'>;
  writes: Counter<'verb'>;
  heldDeletions: Gauge;
  readErrors: Counter<'call'>;
  interval: Gauge;
  leader: Gauge;
  podsRelabelled: Counter;
  cacheObjects: Gauge<'cache'>;
  watchRestarts: Counter<'cache' | 'reason'>;
  queueDepth: Gauge;
  propagation: Histogram<'trigger'>;
}

const SECONDS_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export function syncMetrics(registry: Registry): SyncMetrics {
  const { counter, gauge, histogram } = listedMetrics(registry);
  return {
    roundDuration: histogram('sgbridge_sync_round_duration_seconds', SECONDS_BUCKETS),
    rounds: counter('sgbridge_sync_rounds_total'),
    lastSuccess: gauge('sgbridge_sync_last_success_timestamp_seconds'),
    objects: gauge('sgbridge_sync_objects'),
    writes: counter('sgbridge_sync_writes_total'),
    heldDeletions: gauge('sgbridge_sync_held_deletions'),
    readErrors: counter('sgbridge_sync_read_errors_total'),
    interval: gauge('sgbridge_sync_interval_seconds'),
    leader: gauge('sgbridge_leader'),
    podsRelabelled: counter('sgbridge_pods_relabelled_total'),
    cacheObjects: gauge('sgbridge_sync_cache_objects'),
    watchRestarts: counter('sgbridge_sync_watch_restarts_total'),
    queueDepth: gauge('sgbridge_sync_queue_depth'),
    propagation: histogram('sgbridge_sync_propagation_seconds', SECONDS_BUCKETS),
  };
}
