// The AWS change-event consumer's Prometheus metrics (names in src/metric-names.ts). Registering
// twice on one registry returns the metrics already there.
import type { Counter, Histogram, Registry } from 'prom-client';
import type { IgnoreReason } from '../core/aws-change.js';
import { listedMetrics } from '../metrics.js';

export type SqsCall = 'ReceiveMessage' | 'DeleteMessageBatch';

export interface AwsEventsMetrics {
  received: Counter;
  ignored: Counter<'reason'>;
  changes: Counter<'scope'>;
  errors: Counter<'call'>;
  delay: Histogram;
}

const DELAY_BUCKETS = [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900];

export function awsEventsMetrics(registry: Registry): AwsEventsMetrics {
  const { counter, histogram } = listedMetrics(registry);
  return {
    received: counter('sgbridge_aws_events_received_total'),
    ignored: counter('sgbridge_aws_events_ignored_total'),
    changes: counter('sgbridge_aws_events_changes_total'),
    errors: counter('sgbridge_aws_events_errors_total'),
    delay: histogram('sgbridge_aws_events_delay_seconds', DELAY_BUCKETS),
  };
}

/** Counts as the consumer sees them; a no-op without a registry. */
export interface AwsEventsRecorder {
  received(n: number): void;
  ignored(reason: IgnoreReason): void;
  change(full: boolean): void;
  error(call: SqsCall): void;
  delay(seconds: number): void;
}

export function awsEventsRecorder(metrics?: AwsEventsMetrics): AwsEventsRecorder {
  return {
    received: (n) => metrics?.received.inc(n),
    ignored: (reason) => metrics?.ignored.inc({ reason }),
    change: (full) => metrics?.changes.inc({ scope: full ? 'full' : 'groups' }),
    error: (call) => metrics?.errors.inc({ call }),
    delay: (seconds) => metrics?.delay.observe(Math.max(0, seconds)),
  };
}
