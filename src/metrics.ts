// One Prometheus registry per process; each adapter registers its own metrics on it.
import { collectDefaultMetrics, Registry } from 'prom-client';

export function createRegistry(withDefaults = true): Registry {
  const registry = new Registry();
  if (withDefaults) collectDefaultMetrics({ register: registry, prefix: 'sgbridge_process_' });
  return registry;
}

/** The metric already registered under `name`, or the one `make` creates (and registers). */
export function registeredOnce<T>(registry: Registry, name: string, make: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? make();
}
