// The admission server's Prometheus metrics. Names, labels and help come from src/metric-names.ts,
// the cross-team list the dashboard and alerts are checked against.
import { X509Certificate } from 'node:crypto';
import type { Registry } from 'prom-client';
import type { Operation } from '../core/admission-types.js';
import { listedMetrics } from '../metrics.js';

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
  const { counter, gauge, histogram } = listedMetrics(registry);
  const requests = counter('sgbridge_admission_requests_total');
  const duration = histogram('sgbridge_admission_duration_seconds', LATENCY_BUCKETS);
  const expiry = gauge('sgbridge_certificate_expiry_timestamp_seconds');
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
