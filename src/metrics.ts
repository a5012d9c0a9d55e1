// One Prometheus registry per process; each adapter registers its own metrics on it, by the names,
// types, labels and help of src/metric-names.ts (the list the dashboard and alerts are checked
// against), so no exporter spells a metric out itself.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { SGBRIDGE_METRICS, type MetricType, type SgbridgeMetricName } from './metric-names.js';

export function createRegistry(withDefaults = true): Registry {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'sgbridge_process_' });
  return registry;
}

/** The metric already registered under `name`, or the one `make` creates (and registers). */
export function registeredOnce<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}

type Listed = typeof SGBRIDGE_METRICS;
/** The listed metrics of one type: a counter cannot be made under a gauge's name. */
type NameOf<T extends MetricType> = { [N in SgbridgeMetricName]: Listed[N]['type'] extends T ? N : never }[SgbridgeMetricName];
type LabelOf<N extends SgbridgeMetricName> = Listed[N]['labels'][number];

/** Makers for the metrics of the list on one registry; a second call for a name returns the first metric. */
export function listedMetrics(registry: Registry) {
  const config = <N extends SgbridgeMetricName>(name: N) => ({
    name,
    help: SGBRIDGE_METRICS[name].help,
    labelNames: SGBRIDGE_METRICS[name].labels as readonly LabelOf<N>[],
    registers: [registry],
  });
  return {
    counter: <N extends NameOf<'counter'>>(name: N) => registeredOnce(registry, name, () => new Counter<LabelOf<N>>(config(name))),
    gauge: <N extends NameOf<'gauge'>>(name: N) => registeredOnce(registry, name, () => new Gauge<LabelOf<N>>(config(name))),
    histogram: <N extends NameOf<'histogram'>>(name: N, buckets: number[]) => registeredOnce(registry, name, () => new Histogram<LabelOf<N>>({ ...config(name), buckets })),
  };
}
