// The admission server's Prometheus metrics (names fixed by the cross-team interface: the
// dashboard and alerts rely on them).
import { X509Certificate } from 'node:crypto';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

export type Outcome = 'allowed' | 'patched' | 'denied' | 'invalid' | 'error';

export interface AdmissionMetrics {
  observe(webhook: string, operation: string, outcome: Outcome, seconds: number): void;
  setCertificates(material: { cert: string; ca: string }): void;
}

/** 1 ms … 10 s. */
export const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

function existing<T>(registry: Registry, name: string): T | undefined {
  return registry.getSingleMetric(name) as T | undefined;
}

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
  if (!existing<Counter>(registry, 'sgbridge_admission_requests_total')) {
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
    });
  }
  const duration =
    existing<Histogram<'webhook'>>(registry, 'sgbridge_admission_duration_seconds') ??
    new Histogram({ name: 'sgbridge_admission_duration_seconds', help: 'Time to answer an admission request', labelNames: ['webhook'] as const, buckets: LATENCY_BUCKETS, registers: [registry] });
  const expiry =
    existing<Gauge<'certificate'>>(registry, 'sgbridge_certificate_expiry_timestamp_seconds') ??
    new Gauge({ name: 'sgbridge_certificate_expiry_timestamp_seconds', help: 'notAfter of the serving certificate and of the CA, seconds since the epoch', labelNames: ['certificate'] as const, registers: [registry] });
  const pending = pendingRequests(registry);
  // Histogram label children are looked up once per webhook.
  const histograms = new Map<string, { observe(v: number): void }>();
  return {
    observe(webhook, operation, outcome, seconds) {
      const key = `${webhook} ${operation} ${outcome}`;
      let entry = pending.get(key);
      if (!entry) pending.set(key, (entry = { labels: { webhook, operation, outcome }, count: 0 }));
      entry.count++;
      let histogram = histograms.get(webhook);
      if (!histogram) histograms.set(webhook, (histogram = duration.labels({ webhook })));
      histogram.observe(seconds);
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

/** Requests counted since the last scrape, per label set; shared by every admissionMetrics() of a registry. */
function pendingRequests(registry: Registry): Map<string, PendingCount> {
  let pending = pendingByRegistry.get(registry);
  if (!pending) pendingByRegistry.set(registry, (pending = new Map()));
  return pending;
}
