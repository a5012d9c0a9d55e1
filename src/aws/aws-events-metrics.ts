// The AWS change-event consumer's Prometheus metrics (names in src/metric-names.ts). Registering
// twice on one registry returns the metrics already there.
import { Counter, Histogram, type Registry } from 'prom-client';
import type { IgnoreReason } from '../core/aws-change.js';
import { registeredOnce as once } from '../metrics.js';

export type SqsCall = 'ReceiveMessage' | 'DeleteMessageBatch';

export interface AwsEventsMetrics {
  received: Counter;
  ignored: Counter<'reason'>;
  changes: Counter<'scope'>;
  errors: Counter<'call'>;
  delay: Histogram;
}

export function awsEventsMetrics(registry: Registry): AwsEventsMetrics {
  const registers = [registry];
  return {
    received: once(registry, 'sgbridge_aws_events_received_total', () => new Counter({ name: 'sgbridge_aws_events_received_total', help: 'Messages received from the AWS change-event queue', registers })),
    ignored: once(registry, 'sgbridge_aws_events_ignored_total', () => new Counter({ name: 'sgbridge_aws_events_ignored_total', help: 'Queue messages ignored and deleted, by reason', labelNames: ['reason'] as const, registers })),
    changes: once(registry, 'sgbridge_aws_events_changes_total', () => new Counter({ name: 'sgbridge_aws_events_changes_total', help: 'Changes handed to the syncer (groups: re-read those groups; full: read EC2 in full)', labelNames: ['scope'] as const, registers })),
    errors: once(registry, 'sgbridge_aws_events_errors_total', () => new Counter({ name: 'sgbridge_aws_events_errors_total', help: 'Failed SQS calls of the event consumer, by call', labelNames: ['call'] as const, registers })),
    delay: once(registry, 'sgbridge_aws_events_delay_seconds', () => new Histogram({ name: 'sgbridge_aws_events_delay_seconds', help: 'Time from the EC2 call (CloudTrail eventTime) to its message reaching sgbridge', buckets: [0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900], registers })),
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
