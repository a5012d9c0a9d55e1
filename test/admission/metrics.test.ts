// The admission metrics (src/admission/metrics.ts, src/admission/array-histogram.ts): the latency
// histogram is counted outside prom-client, so its exposition is checked against prom-client's own
// Histogram fed the same observations, and the request counter against what was observed.
import fc from 'fast-check';
import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ArrayHistogram } from '../../src/admission/array-histogram.js';
import { admissionMetrics, LATENCY_BUCKETS } from '../../src/admission/metrics.js';

const NAME = 'sgbridge_admission_duration_seconds';
const HELP = 'Time to answer an admission request';

/** Both histograms fed the same observations; series are made on their first observation in both. */
function feed(observations: [string, number][]) {
  const ours = new Registry();
  const theirs = new Registry();
  const histogram = new ArrayHistogram({ name: NAME, help: HELP, labelName: 'webhook', buckets: LATENCY_BUCKETS }).registerOn(ours);
  const reference = new Histogram({ name: NAME, help: HELP, labelNames: ['webhook'] as const, buckets: LATENCY_BUCKETS, registers: [theirs] });
  const observers = new Map<string, (v: number) => void>();
  for (const [webhook, seconds] of observations) {
    let observe = observers.get(webhook);
    if (!observe) observers.set(webhook, (observe = histogram.observer(webhook)));
    observe(seconds);
    reference.observe({ webhook }, seconds);
  }
  return { ours, theirs };
}

const seconds = fc.oneof(
  fc.constantFrom(0, ...LATENCY_BUCKETS),
  fc.double({ min: 0, max: 20, noNaN: true }),
  fc.double({ min: 0, max: 0.01, noNaN: true }),
  fc.constant(1e9),
);
const observations = fc.array(fc.tuple(fc.constantFrom('mutate', 'validate', 'x'), seconds), { maxLength: 60 });

describe('ArrayHistogram against prom-client Histogram', () => {
  it('gives the same exposition text for any observations', async () => {
    await fc.assert(
      fc.asyncProperty(observations, async (obs) => {
        const { ours, theirs } = feed(obs);
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 300 },
    );
  });

  it('gives the same JSON values (name, labels, value)', async () => {
    const { ours, theirs } = feed([['mutate', 0.0004], ['mutate', 0.003], ['validate', 12], ['mutate', 0.001]]);
    const values = async (r: Registry) => (await r.getMetricsAsJSON()).flatMap((m) => m.values.map((v) => ({ name: (v as { metricName?: string }).metricName, labels: v.labels, value: v.value })));
    const expected = await values(theirs);
    expect(expected.length).toBe(2 * (LATENCY_BUCKETS.length + 3));
    expect(await values(ours)).toEqual(expected);
  });

  it('counts a value equal to a bound in that bound, above every bound only in +Inf', async () => {
    const { ours } = feed([['mutate', 0.001], ['mutate', 11]]);
    const text = await ours.metrics();
    expect(text).toContain(`${NAME}_bucket{le="0.001",webhook="mutate"} 1\n`);
    expect(text).toContain(`${NAME}_bucket{le="10",webhook="mutate"} 1\n`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",webhook="mutate"} 2\n`);
    expect(text).toContain(`${NAME}_sum{webhook="mutate"} 11.001\n`);
  });

  it('is zeroed by registry.resetMetrics(), and its observers keep counting', async () => {
    const { ours } = feed([['mutate', 0.002], ['mutate', 0.02]]);
    const observe = (ours.getSingleMetric(NAME) as unknown as ArrayHistogram<'webhook'>).observer('mutate');
    ours.resetMetrics();
    expect(await ours.metrics()).toContain(`${NAME}_count{webhook="mutate"} 0\n`);
    observe(0.0005);
    const text = await ours.metrics();
    expect(text).toContain(`${NAME}_bucket{le="0.001",webhook="mutate"} 1\n`);
    expect(text).toContain(`${NAME}_count{webhook="mutate"} 1\n`);
  });

  it('ignores a value that is not a finite number instead of throwing', async () => {
    const { ours } = feed([['mutate', 0.002]]);
    const observe = (ours.getSingleMetric(NAME) as unknown as ArrayHistogram<'webhook'>).observer('mutate');
    expect(() => observe(Number.NaN)).not.toThrow();
    observe(Number.POSITIVE_INFINITY);
    expect(await ours.metrics()).toContain(`${NAME}_count{webhook="mutate"} 1\n`);
  });
});

describe('admissionMetrics', () => {
  it('counts requests by webhook, operation and outcome, cumulatively across scrapes', async () => {
    const registry = new Registry();
    const metrics = admissionMetrics(registry);
    metrics.forWebhook('mutate').observe('CREATE', 'patched', 0.0005);
    metrics.forWebhook('mutate').observe('CREATE', 'patched', 0.002);
    metrics.forWebhook('mutate').observe('UPDATE', 'allowed', 0.0005);
    metrics.forWebhook('validate').observe('UPDATE', 'denied', 0.0005);
    const first = await registry.metrics();
    expect(first).toContain('sgbridge_admission_requests_total{webhook="mutate",operation="CREATE",outcome="patched"} 2\n');
    expect(first).toContain('sgbridge_admission_requests_total{webhook="mutate",operation="UPDATE",outcome="allowed"} 1\n');
    expect(first).toContain('sgbridge_admission_requests_total{webhook="validate",operation="UPDATE",outcome="denied"} 1\n');
    expect(first).toContain(`${NAME}_count{webhook="mutate"} 3\n`);
    expect(first).toContain(`${NAME}_bucket{le="0.001",webhook="mutate"} 2\n`);

    metrics.forWebhook('mutate').observe('CREATE', 'patched', 0.0005);
    const second = await registry.metrics();
    expect(second).toContain('sgbridge_admission_requests_total{webhook="mutate",operation="CREATE",outcome="patched"} 3\n');
    expect(second).toContain(`${NAME}_count{webhook="mutate"} 4\n`);
  });

  it('shares one counter and one histogram among the admissionMetrics() of a registry', async () => {
    const registry = new Registry();
    admissionMetrics(registry).forWebhook('mutate').observe('CREATE', 'patched', 0.0005);
    admissionMetrics(registry).forWebhook('mutate').observe('CREATE', 'patched', 0.0005);
    const text = await registry.metrics();
    expect(text).toContain('sgbridge_admission_requests_total{webhook="mutate",operation="CREATE",outcome="patched"} 2\n');
    expect(text).toContain(`${NAME}_count{webhook="mutate"} 2\n`);
    expect(text.match(new RegExp(`# TYPE ${NAME} histogram`, 'g'))).toHaveLength(1);
  });
});
