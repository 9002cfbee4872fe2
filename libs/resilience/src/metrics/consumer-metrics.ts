import type { HubMetrics } from '@hub/runtime';
import type { RunnerMetrics } from '../consumer/record-processor';

/** Exposes a consumer's counters: records processed, dead-lettered, ignored, retried, partition pauses. */
export function registerConsumerMetrics(metrics: HubMetrics, read: () => RunnerMetrics | undefined): void {
  metrics.gauge(
    'hub_consumer_records',
    'Records handled by the consumer runner since start, by outcome.',
    ['outcome'],
    (set) => {
      const m = read();
      for (const outcome of [
        'processed',
        'deadLettered',
        'ignored',
        'retried',
        'pauses',
        'superseded',
        'parked',
        'carriedOver',
      ] as const)
        set({ outcome }, m?.[outcome] ?? 0);
    },
  );
}
