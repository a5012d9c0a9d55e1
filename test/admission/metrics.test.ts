// The admission metrics (src/admission/metrics.ts): prom-client's own counter, histogram and gauge,
// named, labelled and described as src/metric-names.ts lists them.
import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { admissionMetrics } from '../../src/admission/metrics.js';
import { SGBRIDGE_METRICS } from '../../src/metric-names.js';

const NAME = 'sgbridge_admission_duration_seconds';

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

  it('registers each metric with the name, labels and help of the list', async () => {
    const registry = new Registry();
    const metrics = admissionMetrics(registry);
    metrics.forWebhook('mutate').observe('CREATE', 'patched', 0.0005);
    metrics.setCertificates({ cert: 'not a certificate', ca: 'not one either' });
    const names = ['sgbridge_admission_requests_total', NAME, 'sgbridge_certificate_expiry_timestamp_seconds'] as const;
    for (const name of names) {
      const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
      expect(metric?.help, name).toBe(SGBRIDGE_METRICS[name].help);
      expect(metric?.type, name).toBe(SGBRIDGE_METRICS[name].type);
      for (const v of metric?.values ?? []) for (const label of Object.keys(v.labels)) expect([...SGBRIDGE_METRICS[name].labels, 'le'], name).toContain(label);
    }
  });

  it('counts a value equal to a bucket bound in that bucket, above every bound only in +Inf', async () => {
    const registry = new Registry();
    const observe = admissionMetrics(registry).forWebhook('mutate');
    observe.observe('CREATE', 'patched', 0.001);
    observe.observe('CREATE', 'patched', 11);
    const text = await registry.metrics();
    expect(text).toContain(`${NAME}_bucket{le="0.001",webhook="mutate"} 1\n`);
    expect(text).toContain(`${NAME}_bucket{le="10",webhook="mutate"} 1\n`);
    expect(text).toContain(`${NAME}_bucket{le="+Inf",webhook="mutate"} 2\n`);
  });
});
