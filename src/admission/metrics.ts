// The admission server's Prometheus metrics. Names, labels and help come from src/metric-names.ts,
// the cross-team list the dashboard and alerts are checked against.
import { X509Certificate } from 'node:crypto';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { Operation } from '../core/admission-types.js';
import { SGBRIDGE_METRICS, type SgbridgeMetricName } from '../metric-names.js';
import { registeredOnce } from '../metrics.js';

export type Outcome = 'allowed' | 'patched' | 'denied' | 'invalid' | 'error';
/** A request's operation, or 'unknown' for one refused before it could be decoded. */
export type MetricOperation = Operation | 'unknown';

/** One webhook's metrics: what its exchange records per request. */
export interface WebhookMetrics {
  observe(operation: MetricOperation, outcome: Outcome, seconds: number): void;
}

export interface AdmissionMetrics {
  forWebhook(webhook: string): WebhookMetrics;
  setCertificates(material: { cert: string; ca: string }): void;
}

/** 1 ms … 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

// Keys of the list: a name that is not in it does not compile.
const REQUESTS = 'sgbridge_admission_requests_total' satisfies SgbridgeMetricName;
const DURATION = 'sgbridge_admission_duration_seconds' satisfies SgbridgeMetricName;
const EXPIRY = 'sgbridge_certificate_expiry_timestamp_seconds' satisfies SgbridgeMetricName;

/** prom-client's configuration for a metric of the list: its name, help and labels as listed. */
function listed<N extends typeof REQUESTS | typeof DURATION | typeof EXPIRY>(name: N, registry: Registry) {
  const spec = SGBRIDGE_METRICS[name];
  return { name, help: spec.help, labelNames: spec.labels as readonly (typeof spec.labels)[number][], registers: [registry] };
}

/** Expiry of the first certificate in a PEM text, in seconds since the epoch; undefined when unreadable. */
export function expirySeconds(pem: string): number | undefined {
  try {
    return Math.floor(new Date(new X509Certificate(pem).validTo).getTime() / 1000);
  } catch {
    return undefined;
  }
}

/** The admission metrics on a registry; every call for the same registry shares its metrics. */
export function admissionMetrics(registry: Registry): AdmissionMetrics {
  const requests = registeredOnce(registry, REQUESTS, () => new Counter(listed(REQUESTS, registry)));
  const duration = registeredOnce(registry, DURATION, () => new Histogram({ ...listed(DURATION, registry), buckets: LATENCY_BUCKETS }));
  const expiry = registeredOnce(registry, EXPIRY, () => new Gauge(listed(EXPIRY, registry)));
  return {
    forWebhook: (webhook) => ({
      observe(operation, outcome, seconds) {
        requests.inc({ webhook, operation, outcome });
        duration.observe({ webhook }, seconds);
      },
    }),
    setCertificates({ cert, ca }) {
      for (const [certificate, pem] of [['serving', cert], ['ca', ca]] as const) {
        const at = expirySeconds(pem);
        if (at !== undefined) expiry.set({ certificate }, at);
      }
    },
  };
}
