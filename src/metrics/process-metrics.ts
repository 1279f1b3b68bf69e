/**
 * The process's default metrics (CPU, memory, event loop lag, GC, handles: prom-client's
 * `collectDefaultMetrics`), in one registry per process. They describe the process, not an app,
 * and their collectors (a GC observer, an event-loop monitor) are never taken down: made once,
 * however many apps a process starts (tests start many), they are neither doubled nor leaked.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';

let registry: Registry | undefined;

/** The default metrics as Prometheus text; the collectors start at the first call. */
export function processMetricsText(): Promise<string> {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry.metrics();
}
