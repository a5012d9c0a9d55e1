// A Prometheus histogram with one label, counted in plain arrays on the request path and read by
// the prom-client registry at scrape time. Why not prom-client's Histogram: its observe() builds
// and looks up a label-hash string and indexes its buckets by the bound as a property name (a
// number-to-string conversion) on every call, about 3 µs of the admission server's CPU per request
// under load (docs/admission.md#benchmark). The exposition is prom-client's own: the registry
// formats what get() returns, and a test checks the text against a prom-client Histogram fed the
// same observations.
import type { Histogram, MetricType, Registry } from 'prom-client';

/** What prom-client's own Histogram.get() gives, values and all. */
type HistogramData<L extends string> = Awaited<ReturnType<Histogram<L>['get']>>;
type Value<L extends string> = HistogramData<L>['values'][number];
type Labels<L extends string> = Value<L>['labels'];

interface Series {
  /** Observations per bucket, not cumulative; the last slot counts those above every bound. */
  counts: Float64Array;
  sum: number;
  count: number;
}

export interface ArrayHistogramConfig<L extends string> {
  name: string;
  help: string;
  /** The one label that tells series apart (e.g. 'webhook'). */
  labelName: L;
  /** Upper bounds in seconds, ascending. */
  buckets: readonly number[];
}

export class ArrayHistogram<L extends string> {
  readonly name: string;
  readonly help: string;
  // prom-client's typings call the type an enum; at run time, and in the exposition, it is the text.
  readonly type = 'histogram' as unknown as MetricType;
  readonly aggregator = 'sum' as const;
  private readonly labelName: L;
  private readonly bounds: readonly number[];
  private readonly series = new Map<string, Series>();

  constructor(config: ArrayHistogramConfig<L>) {
    this.name = config.name;
    this.help = config.help;
    this.labelName = config.labelName;
    this.bounds = [...config.buckets];
  }

  /** A function that records one observation for this label value: a bucket increment and two additions. */
  observer(labelValue: string): (value: number) => void {
    const series = this.series.get(labelValue) ?? this.newSeries(labelValue);
    const { counts } = series;
    const bounds = this.bounds;
    return (value) => {
      // prom-client refuses non-finite values by throwing; a metric never fails a request.
      if (!Number.isFinite(value)) return;
      let i = 0;
      while (i < bounds.length && value > bounds[i]!) i++;
      counts[i]!++;
      series.sum += value;
      series.count++;
    };
  }

  private newSeries(labelValue: string): Series {
    const series = { counts: new Float64Array(this.bounds.length + 1), sum: 0, count: 0 };
    this.series.set(labelValue, series);
    return series;
  }

  /** Zeroes every series in place (registry.resetMetrics() calls it); observers keep working. */
  reset(): void {
    for (const series of this.series.values()) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }

  /** Registers it like a prom-client metric: registry.metrics() and getMetricsAsJSON() read get(). */
  registerOn(registry: Registry): this {
    // The registry keeps any object with a name and get(); its typings list only its own classes.
    registry.registerMetric(this as unknown as Parameters<Registry['registerMetric']>[0]);
    return this;
  }

  /** No-op: present because the registry's metric objects carry one. */
  collect(): void {}

  get(): Promise<HistogramData<L>> {
    const values: Value<L>[] = [];
    const labels = (le: number | string | undefined, labelValue: string) => (le === undefined ? { [this.labelName]: labelValue } : { le, [this.labelName]: labelValue }) as Labels<L>;
    for (const [labelValue, { counts, sum, count }] of this.series) {
      // Same order and labels as prom-client: cumulative buckets, +Inf, _sum, _count.
      let cumulative = 0;
      for (let i = 0; i < this.bounds.length; i++) {
        cumulative += counts[i]!;
        values.push({ metricName: `${this.name}_bucket`, labels: labels(this.bounds[i], labelValue), value: cumulative });
      }
      values.push({ metricName: `${this.name}_bucket`, labels: labels('+Inf', labelValue), value: count });
      values.push({ metricName: `${this.name}_sum`, labels: labels(undefined, labelValue), value: sum });
      values.push({ metricName: `${this.name}_count`, labels: labels(undefined, labelValue), value: count });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, collect: () => undefined, values });
  }
}
