import type { HubMetrics } from '@hub/runtime';
import type { ReconcilerService } from './reconciler.service';

/**
 * The reconciler's findings since start, by Salesforce object (`entity`) and kind, and each entity's last pass.
 * Counters in meaning (they only grow), read at scrape time like the app's other metrics.
 */
export function registerReconcileMetrics(metrics: HubMetrics, reconciler: ReconcilerService): void {
  const totals = (pick: 'found' | 'repaired') => (set: (l: Record<string, string>, v: number) => void) => {
    for (const [key, t] of reconciler.totals) {
      const [entity, kind] = key.split('\u0000');
      set({ entity, kind }, t[pick]);
    }
  };
  metrics.gauge(
    'hub_reconcile_drift_found_total',
    'Differences between the source of record and Salesforce found by reconciliation passes, by object and kind (missing, stale, link-broken, orphan).',
    ['entity', 'kind'],
    totals('found'),
  );
  metrics.gauge(
    'hub_reconcile_drift_repaired_total',
    'Differences handed to the projection path for repair (the aggregate re-published), by object and kind; orphans are reported, never repaired.',
    ['entity', 'kind'],
    totals('repaired'),
  );
  metrics.gauge(
    'hub_reconcile_last_pass_timestamp_seconds',
    'When the last reconciliation pass of each entity ended, and whether it succeeded (ok=true|false).',
    ['entity', 'ok'],
    (set) => {
      for (const [entity, p] of reconciler.lastPass) set({ entity, ok: String(p.ok) }, p.at / 1_000);
    },
  );
  metrics.gauge(
    'hub_reconcile_last_pass_duration_seconds',
    'How long the last reconciliation pass of each entity took.',
    ['entity'],
    (set) => {
      for (const [entity, p] of reconciler.lastPass) set({ entity }, p.durationMs / 1_000);
    },
  );
}
