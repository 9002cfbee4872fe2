import type { HubMetrics } from '@hub/runtime';

/** Exposes a consumer's counters: records processed, dead-lettered, ignored, retried, partition pauses. */
export function registerConsumerMetrics(
  metrics: HubMetrics,
  read: () => Record<string, number | undefined> | undefined,
): void {
  metrics.gauge(
    'hub_consumer_records',
    'Records handled by the consumer runner since start, by outcome.',
    ['outcome'],
    (set) => {
      const m = read() ?? {};
      for (const outcome of ['processed', 'deadLettered', 'ignored', 'retried', 'pauses', 'superseded'])
        set({ outcome }, m[outcome] ?? 0);
    },
  );
}
