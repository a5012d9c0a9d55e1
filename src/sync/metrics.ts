// The syncer's Prometheus metrics, named and described in src/metric-names.ts (dashboards and
// alerts rely on the names). Registering twice on one registry returns the metrics already there.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { SGBRIDGE_METRICS, type SgbridgeMetricName } from '../metric-names.js';
import { registeredOnce } from '../metrics.js';

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
  const registers = [registry];
  const spec = <N extends SgbridgeMetricName>(name: N) => ({ name, help: SGBRIDGE_METRICS[name].help, labelNames: SGBRIDGE_METRICS[name].labels as unknown as string[], registers });
  const counter = <L extends string>(name: SgbridgeMetricName) => registeredOnce(registry, name, () => new Counter<L>(spec(name) as never));
  const gauge = <L extends string>(name: SgbridgeMetricName) => registeredOnce(registry, name, () => new Gauge<L>(spec(name) as never));
  const histogram = <L extends string>(name: SgbridgeMetricName) => registeredOnce(registry, name, () => new Histogram<L>({ ...spec(name), buckets: SECONDS_BUCKETS } as never));
  return {
    roundDuration: histogram('sgbridge_sync_round_duration_seconds'),
    rounds: counter<'result'>('sgbridge_sync_rounds_total'),
    lastSuccess: gauge('sgbridge_sync_last_success_timestamp_seconds'),
    objects: gauge<'kind'>('sgbridge_sync_objects'),
    writes: counter<'verb'>('sgbridge_sync_writes_total'),
    heldDeletions: gauge('sgbridge_sync_held_deletions'),
    readErrors: counter<'call'>('sgbridge_sync_read_errors_total'),
    interval: gauge('sgbridge_sync_interval_seconds'),
    leader: gauge('sgbridge_leader'),
    podsRelabelled: counter('sgbridge_pods_relabelled_total'),
    cacheObjects: gauge<'cache'>('sgbridge_sync_cache_objects'),
    watchRestarts: counter<'cache' | 'reason'>('sgbridge_sync_watch_restarts_total'),
    queueDepth: gauge('sgbridge_sync_queue_depth'),
    propagation: histogram<'trigger'>('sgbridge_sync_propagation_seconds'),
  };
}
