// Every metric the dashboard and alerts may use (cross-team interface): sgbridge's own, with their
// type and labels, plus the kube-apiserver metric that counts fail-open webhook calls. Exporters
// register exactly these names; test/monitoring checks charts/monitoring against this list.

export type MetricType = 'counter' | 'gauge' | 'histogram';

export interface MetricSpec {
  type: MetricType;
  labels: readonly string[];
  help: string;
}

export const SGBRIDGE_METRICS = {
  sgbridge_admission_requests_total: { type: 'counter', labels: ['webhook', 'operation', 'outcome'], help: 'admission requests by webhook (mutate|validate), operation and outcome (allowed|patched|denied|invalid|error)' },
  sgbridge_admission_duration_seconds: { type: 'histogram', labels: ['webhook'], help: 'time to answer an admission request (buckets 1 ms … 10 s)' },
  sgbridge_certificate_expiry_timestamp_seconds: { type: 'gauge', labels: ['certificate'], help: 'expiry of the serving certificate and the CA (certificate=serving|ca), Unix seconds' },
  sgbridge_sync_round_duration_seconds: { type: 'histogram', labels: [], help: 'duration of one sync round' },
  sgbridge_sync_rounds_total: { type: 'counter', labels: ['result'], help: 'sync rounds by result (success|failed|held)' },
  sgbridge_sync_last_success_timestamp_seconds: { type: 'gauge', labels: [], help: 'end of the last successful sync round, Unix seconds' },
  sgbridge_sync_objects: { type: 'gauge', labels: ['kind'], help: 'objects sgbridge manages, by kind' },
  sgbridge_sync_writes_total: { type: 'counter', labels: ['verb'], help: 'writes to the cluster (apply|delete|patch)' },
  sgbridge_sync_held_deletions: { type: 'gauge', labels: [], help: 'deletions held back by the delete threshold' },
  sgbridge_sync_read_errors_total: { type: 'counter', labels: ['call'], help: 'failed reads (EC2 or cluster), by call' },
  sgbridge_sync_interval_seconds: { type: 'gauge', labels: [], help: 'current resync interval (stretched when EC2 throttles)' },
  sgbridge_leader: { type: 'gauge', labels: [], help: '1 on the replica that holds the sync Lease, else 0' },
  sgbridge_pods_relabelled_total: { type: 'counter', labels: [], help: 'pods whose membership labels the syncer corrected' },
  sgbridge_aws_events_received_total: { type: 'counter', labels: [], help: 'messages received from the AWS change-event queue (SQS)' },
  sgbridge_aws_events_ignored_total: { type: 'counter', labels: ['reason'], help: 'queue messages ignored and deleted, by reason (too-large|not-json|not-an-event|other-source|other-detail-type|other-event|failed-call)' },
  sgbridge_aws_events_changes_total: { type: 'counter', labels: ['scope'], help: 'changes handed to the syncer, by scope (groups: re-read the groups named; full: read EC2 in full)' },
  sgbridge_aws_events_errors_total: { type: 'counter', labels: ['call'], help: 'failed SQS calls of the event consumer, by call (ReceiveMessage|DeleteMessageBatch)' },
  sgbridge_aws_events_delay_seconds: { type: 'histogram', labels: [], help: 'time from the EC2 call (CloudTrail eventTime) to its message reaching sgbridge' },
  sgbridge_sync_cache_objects: { type: 'gauge', labels: ['cache'], help: 'objects held by each watch-fed cache of the syncer (nodes, namespaces, pods, networkpolicies, its own Calico kinds)' },
  sgbridge_sync_watch_restarts_total: { type: 'counter', labels: ['cache', 'reason'], help: 'watches reopened (reason ended|failed|silent) and collections re-listed (expired|period), by cache' },
  sgbridge_sync_queue_depth: { type: 'gauge', labels: [], help: 'triggers waiting in the syncer work queue' },
  sgbridge_sync_propagation_seconds: { type: 'histogram', labels: ['trigger'], help: 'from the oldest trigger of a piece of work (timer|cluster|aws|pods; aws: from the EC2 call (CloudTrail eventTime) when its event has one) to the end of the writes it caused' },
} as const satisfies Record<string, MetricSpec>;

/** Metrics that other components export and sgbridge's alerts use. */
export const EXTERNAL_METRICS = {
  apiserver_admission_webhook_fail_open_count: { type: 'counter', labels: ['name', 'type'], help: 'kube-apiserver: webhook calls that failed and were ignored (failurePolicy Ignore)' },
} as const satisfies Record<string, MetricSpec>;

export type SgbridgeMetricName = keyof typeof SGBRIDGE_METRICS;

/** Series names a metric produces in PromQL (histograms add _bucket, _sum, _count). */
export function seriesNames(name: string, spec: MetricSpec): string[] {
  return spec.type === 'histogram' ? [`${name}_bucket`, `${name}_sum`, `${name}_count`] : [name];
}
