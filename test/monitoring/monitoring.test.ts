// The dashboard and the alert rules may only use metrics sgbridge exports (src/metric-names.ts)
// or kube-apiserver's fail-open counter, with labels those metrics have.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { EXTERNAL_METRICS, SGBRIDGE_METRICS, seriesNames, type MetricSpec } from '../../src/metric-names.js';

const root = new URL('../../charts/monitoring/', import.meta.url);
const KNOWN = new Map<string, MetricSpec>();
for (const [name, spec] of Object.entries({ ...SGBRIDGE_METRICS, ...EXTERNAL_METRICS }) as [string, MetricSpec][]) {
  for (const series of seriesNames(name, spec)) KNOWN.set(series, spec);
}
/** Labels Prometheus adds when it scrapes (kubernetes_sd / ServiceMonitor) and the histogram bucket label. */
const TARGET_LABELS = ['pod', 'instance', 'job', 'namespace', 'service', 'container', 'endpoint'];
const KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);

interface Use {
  metrics: string[];
  labels: string[];
}

/** The metric names and label names one PromQL expression uses. */
function promqlUses(expr: string): Use {
  const labels: string[] = [];
  let text = expr.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  text = text.replace(/\{([^}]*)\}/g, (_m, inner: string) => {
    for (const m of inner.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)/g)) labels.push(m[1]!);
    return ' ';
  });
  text = text.replace(/\[[^\]]*\]/g, ' ');
  text = text.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)/g, (_m, _k, inner: string) => {
    labels.push(...inner.split(',').map((s) => s.trim()).filter(Boolean));
    return ' ';
  });
  const metrics: string[] = [];
  for (const m of text.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    const [, id, call] = m;
    if (call || KEYWORDS.has(id!.toLowerCase()) || /^\d/.test(id!)) continue;
    metrics.push(id!);
  }
  return { metrics, labels };
}

function problemsIn(exprs: string[]): string[] {
  const problems: string[] = [];
  for (const expr of exprs) {
    const { metrics, labels } = promqlUses(expr);
    if (metrics.length === 0) problems.push(`${expr}: uses no metric`);
    const allowed = new Set([...TARGET_LABELS, 'le']);
    for (const m of metrics) {
      const spec = KNOWN.get(m);
      if (!spec) problems.push(`${expr}: ${m} is not a metric sgbridge exports (src/metric-names.ts)`);
      else for (const l of spec.labels) allowed.add(l);
    }
    for (const l of labels) if (!allowed.has(l)) problems.push(`${expr}: label ${l} is not on ${metrics.join(', ')}`);
  }
  return problems;
}

const rules = parse(readFileSync(new URL('prometheus-rules.yaml', root), 'utf8')) as { groups: { name: string; rules: { alert?: string; expr: string; for?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[] }[] };
const dashboard = JSON.parse(readFileSync(new URL('grafana-dashboard.json', root), 'utf8')) as { uid: string; panels: { type: string; title: string; targets?: { expr: string }[] }[] };

describe('the checker', () => {
  it('finds metric and label names in PromQL', () => {
    expect(promqlUses('histogram_quantile(0.99, sum by (le, webhook) (rate(sgbridge_admission_duration_seconds_bucket{webhook="mutate"}[5m]))) > 1')).toEqual({
      metrics: ['sgbridge_admission_duration_seconds_bucket'],
      labels: ['webhook', 'le', 'webhook'],
    });
  });
  it('flags an unknown metric and an unknown label', () => {
    expect(problemsIn(['rate(sgbridge_admissions_total[5m])'])).toEqual([expect.stringContaining('sgbridge_admissions_total is not a metric')]);
    expect(problemsIn(['sum by (verb) (sgbridge_sync_rounds_total)'])).toEqual([expect.stringContaining('label verb')]);
  });
});

describe('prometheus-rules.yaml', () => {
  const all = rules.groups.flatMap((g) => g.rules);
  it('is a rule file of named groups whose alerts have severity and summary', () => {
    expect(rules.groups.length).toBeGreaterThan(0);
    for (const r of all) {
      expect(r.alert, r.expr).toMatch(/^Sgbridge[A-Za-z]+$/);
      expect(['info', 'warning', 'critical']).toContain(r.labels?.severity);
      expect(r.annotations?.summary).toBeTruthy();
      if (r.for) expect(r.for).toMatch(/^\d+[smh]$/);
    }
  });
  it('uses only exported metrics and their labels', () => {
    expect(problemsIn(all.map((r) => r.expr))).toEqual([]);
  });
  it('covers admission latency and failures, fail-open, sync failures and staleness, held deletions, certificate expiry', () => {
    const exprs = all.map((r) => r.expr).join('\n');
    for (const m of ['sgbridge_admission_duration_seconds_bucket', 'sgbridge_admission_requests_total', 'apiserver_admission_webhook_fail_open_count', 'sgbridge_sync_rounds_total', 'sgbridge_sync_last_success_timestamp_seconds', 'sgbridge_sync_held_deletions', 'sgbridge_certificate_expiry_timestamp_seconds']) {
      expect(exprs).toContain(m);
    }
    expect(all.find((r) => r.expr.includes('sgbridge_certificate_expiry'))!.expr).toContain('14 * 24 * 3600');
  });
});

describe('grafana-dashboard.json', () => {
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  it('has panels, each with queries', () => {
    expect(dashboard.uid).toBe('sgbridge');
    expect(panels.length).toBeGreaterThan(5);
    for (const p of panels) expect(p.targets?.length, p.title).toBeGreaterThan(0);
  });
  it('uses only exported metrics and their labels', () => {
    expect(problemsIn(panels.flatMap((p) => p.targets!.map((t) => t.expr)))).toEqual([]);
  });
  it('shows every sgbridge metric somewhere', () => {
    const used = new Set(panels.flatMap((p) => p.targets!.flatMap((t) => promqlUses(t.expr).metrics)));
    for (const [name, spec] of Object.entries(SGBRIDGE_METRICS) as [string, MetricSpec][]) {
      expect(seriesNames(name, spec).some((s) => used.has(s)), name).toBe(true);
    }
  });
});
