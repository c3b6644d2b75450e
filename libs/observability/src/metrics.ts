import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The process's one Prometheus registry; /metrics serves it. */
export const metricsRegistry = new Registry();
let defaultsOn = false;

export function enableDefaultMetrics(service: string): void {
  if (defaultsOn) return;
  defaultsOn = true;
  metricsRegistry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: metricsRegistry });
}

function once<T>(name: string, make: () => T): T {
  return (metricsRegistry.getSingleMetric(name) as T | undefined) ?? make();
}

export function counter(name: string, help: string, labelNames: string[] = []): Counter<string> {
  return once(name, () => new Counter({ name, help, labelNames, registers: [metricsRegistry] }));
}

export function gauge(name: string, help: string, labelNames: string[] = []): Gauge<string> {
  return once(name, () => new Gauge({ name, help, labelNames, registers: [metricsRegistry] }));
}

export function histogram(
  name: string,
  help: string,
  labelNames: string[] = [],
  buckets?: number[],
): Histogram<string> {
  return once(name, () => new Histogram({ name, help, labelNames, buckets, registers: [metricsRegistry] }));
}
