// The admission server's Prometheus metrics (names fixed by the cross-team interface: the
// dashboard and alerts rely on them).
import { X509Certificate } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { Operation } from '../core/admission-types.js';
import { memoByIdentity } from '../core/memo.js';
import { registeredOnce } from '../metrics.js';
import { ArrayHistogram } from './array-histogram.js';

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

export function admissionMetrics(registry: Registry): AdmissionMetrics {
  // Requests are counted in plain numbers on the request path and added to the counter when it is
  // scraped (prom-client calls collect() then): its inc() hashes the label set on every call,
  // which shows in the admission profile. Each registry has one counter and one pending table.
  registeredOnce(
    registry,
    'sgbridge_admission_requests_total',
    () =>
      new Counter({
        name: 'sgbridge_admission_requests_total',
        help: 'Admission requests by webhook, operation and outcome',
        labelNames: ['webhook', 'operation', 'outcome'] as const,
        registers: [registry],
        collect() {
          for (const entry of pendingRequests(registry).values()) {
            if (entry.count === 0) continue;
            this.inc(entry.labels, entry.count);
            entry.count = 0;
          }
        },
      }),
  );
  const duration = registeredOnce(registry, 'sgbridge_admission_duration_seconds', () =>
    new ArrayHistogram({ name: 'sgbridge_admission_duration_seconds', help: 'Time to answer an admission request', labelName: 'webhook', buckets: LATENCY_BUCKETS }).registerOn(registry),
  );
  const expiry = registeredOnce(
    registry,
    'sgbridge_certificate_expiry_timestamp_seconds',
    () => new Gauge({ name: 'sgbridge_certificate_expiry_timestamp_seconds', help: 'notAfter of the serving certificate and of the CA, seconds since the epoch', labelNames: ['certificate'] as const, registers: [registry] }),
  );
  const pending = pendingRequests(registry);
  const webhooks = new Map<string, WebhookMetrics>();
  const forWebhook = (webhook: string): WebhookMetrics => {
    let w = webhooks.get(webhook);
    if (!w) webhooks.set(webhook, (w = webhookMetrics(webhook, duration.observer(webhook), pending)));
    return w;
  };
  return {
    forWebhook,
    setCertificates({ cert, ca }) {
      for (const [certificate, pem] of [['serving', cert], ['ca', ca]] as const) {
        const at = expirySeconds(pem);
        if (at !== undefined) expiry.set({ certificate }, at);
      }
    },
  };
}

const OPERATION_SLOTS: readonly MetricOperation[] = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT', 'unknown'];
const OUTCOME_SLOTS: readonly Outcome[] = ['allowed', 'patched', 'denied', 'invalid', 'error'];

/**
 * A webhook's request counts in a table indexed by operation and outcome, each entry made on first
 * use: a search of two five-entry lists per request instead of a Map lookup per label (those
 * showed in the admission server's profile).
 */
function webhookMetrics(webhook: string, observeSeconds: (seconds: number) => void, pending: Map<string, PendingCount>): WebhookMetrics {
  const counts: (PendingCount | undefined)[] = [];
  return {
    observe(operation, outcome, seconds) {
      const slot = OPERATION_SLOTS.indexOf(operation) * OUTCOME_SLOTS.length + OUTCOME_SLOTS.indexOf(outcome);
      (counts[slot] ??= pendingEntry(pending, { webhook, operation, outcome })).count++;
      observeSeconds(seconds);
    },
  };
}

interface PendingCount {
  labels: { webhook: string; operation: string; outcome: string };
  count: number;
}

/** The registry's pending count for a label set, made on first use. */
function pendingEntry(pending: Map<string, PendingCount>, labels: PendingCount['labels']): PendingCount {
  const key = `${labels.webhook} ${labels.operation} ${labels.outcome}`;
  let entry = pending.get(key);
  if (!entry) pending.set(key, (entry = { labels, count: 0 }));
  return entry;
}

/** Requests counted since the last scrape, per label set; shared by every admissionMetrics() of a registry. */
const pendingRequests = memoByIdentity((_registry: Registry) => new Map<string, PendingCount>());
