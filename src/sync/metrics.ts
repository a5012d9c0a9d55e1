// The syncer's Prometheus metrics, named as /tmp/interfaces.md fixes them (dashboards and alerts
// rely on the names). Registering twice on one registry returns the metrics already there.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { registeredOnce as once } from '../metrics.js';

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
}

export function syncMetrics(registry: Registry): SyncMetrics {
  const registers = [registry];
  return {
    roundDuration: once(registry, 'sgbridge_sync_round_duration_seconds', () => new Histogram({ name: 'sgbridge_sync_round_duration_seconds', help: 'Duration of a sync round (read, translate, diff, write)', buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120], registers })),
    rounds: once(registry, 'sgbridge_sync_rounds_total', () => new Counter({ name: 'sgbridge_sync_rounds_total', help: 'Sync rounds by result (held: deletions held back by the threshold)', labelNames: ['result'] as const, registers })),
    lastSuccess: once(registry, 'sgbridge_sync_last_success_timestamp_seconds', () => new Gauge({ name: 'sgbridge_sync_last_success_timestamp_seconds', help: 'Unix time of the last fully successful sync round', registers })),
    objects: once(registry, 'sgbridge_sync_objects', () => new Gauge({ name: 'sgbridge_sync_objects', help: 'Objects sgbridge wants on the cluster, by kind', labelNames: ['kind'] as const, registers })),
    writes: once(registry, 'sgbridge_sync_writes_total', () => new Counter({ name: 'sgbridge_sync_writes_total', help: 'Writes to the Kubernetes API by the syncer', labelNames: ['verb'] as const, registers })),
    heldDeletions: once(registry, 'sgbridge_sync_held_deletions', () => new Gauge({ name: 'sgbridge_sync_held_deletions', help: 'Deletions held back by the delete threshold in the last round', registers })),
    readErrors: once(registry, 'sgbridge_sync_read_errors_total', () => new Counter({ name: 'sgbridge_sync_read_errors_total', help: 'Failed reads (the round then changed nothing), by call', labelNames: ['call'] as const, registers })),
    interval: once(registry, 'sgbridge_sync_interval_seconds', () => new Gauge({ name: 'sgbridge_sync_interval_seconds', help: 'Current resync interval (stretched while EC2 throttles)', registers })),
    leader: once(registry, 'sgbridge_leader', () => new Gauge({ name: 'sgbridge_leader', help: '1 when this replica holds the syncer Lease', registers })),
    podsRelabelled: once(registry, 'sgbridge_pods_relabelled_total', () => new Counter({ name: 'sgbridge_pods_relabelled_total', help: 'Pods whose membership labels the syncer repaired', registers })),
  };
}
