// The admission server's Prometheus metrics (names fixed by the cross-team interface: the
// dashboard and alerts rely on them).
import { X509Certificate } from 'node:crypto';
import { Counter, Gauge, type Registry } from 'prom-client';
import { registeredOnce } from '../metrics.js';
import { ArrayHistogram } from './array-histogram.js';

export type Outcome = 'allowed' | 'patched' | 'denied' | 'invalid' | 'error';

export interface AdmissionMetrics {
  observe(webhook: string, operation: string, outcome: Outcome, seconds: number): void;
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
  // Per webhook, made on its first request: its latency observer and its pending counts by
  // operation, then outcome. Nested maps rather than one key joined from the three: no string is
  // built per request.
  const webhooks = new Map<string, { observe(seconds: number): void; byOperation: Map<string, Map<Outcome, PendingCount>> }>();
  return {
    observe(webhook, operation, outcome, seconds) {
      let w = webhooks.get(webhook);
      if (!w) webhooks.set(webhook, (w = { observe: duration.observer(webhook), byOperation: new Map() }));
      let byOutcome = w.byOperation.get(operation);
      if (!byOutcome) w.byOperation.set(operation, (byOutcome = new Map()));
      let entry = byOutcome.get(outcome);
      if (!entry) byOutcome.set(outcome, (entry = pendingEntry(pending, { webhook, operation, outcome })));
      entry.count++;
      w.observe(seconds);
    },
    setCertificates({ cert, ca }) {
      for (const [certificate, pem] of [['serving', cert], ['ca', ca]] as const) {
        const at = expirySeconds(pem);
        if (at !== undefined) expiry.set({ certificate }, at);
      }
    },
  };
}

interface PendingCount {
  labels: { webhook: string; operation: string; outcome: string };
  count: number;
}

const pendingByRegistry = new WeakMap<Registry, Map<string, PendingCount>>();

/** The registry's pending count for a label set, made on first use. */
function pendingEntry(pending: Map<string, PendingCount>, labels: PendingCount['labels']): PendingCount {
  const key = `${labels.webhook} ${labels.operation} ${labels.outcome}`;
  let entry = pending.get(key);
  if (!entry) pending.set(key, (entry = { labels, count: 0 }));
  return entry;
}

/** Requests counted since the last scrape, per label set; shared by every admissionMetrics() of a registry. */
function pendingRequests(registry: Registry): Map<string, PendingCount> {
  let pending = pendingByRegistry.get(registry);
  if (!pending) pendingByRegistry.set(registry, (pending = new Map()));
  return pending;
}
