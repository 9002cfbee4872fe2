import type { BeforeApplicationShutdown, OnApplicationBootstrap } from '@nestjs/common';
import { CanonicalTopicKey, entityOfTopic } from '@hub/canonical';
import { BatchWindow, BatchWindowScheduler, laneNameOf, WindowClosed } from '@hub/projection';
import type { ConsumerHost } from '@hub/resilience';
import type { HubMetrics } from '@hub/runtime';
import type { Logger } from 'pino';
import type { SalesforceMapping } from '../mapping/salesforce-mapping';
import { PROJECTED_TOPICS } from '../projection/projected-topics';
import { RECONCILE_ENTITIES, RECONCILE_ENTITY_NAMES, ReconcileEntity } from '../reconcile/reconcile.entities';
import type { ReconcilerService } from '../reconcile/reconciler.service';

export interface BatchWindowsOptions {
  /** SF_BATCH_WINDOWS: canonical entity → window. */
  windows: ReadonlyMap<string, BatchWindow>;
  timeZone: string;
  /** RECONCILE_FIRST_WINDOW: how far back the first pass after a window looks. */
  firstReconcileWindowMs: number;
  /** SF_PARENT_WAIT_MS: the longest a parked record of the window waits for its parent before it is sent anyway. */
  parentWaitMs: number;
  /** The lane of parked records (records waiting for their parents). */
  parkedLane: string;
}

/**
 * projector-salesforce's batched entities (SF_BATCH_WINDOWS): their lanes start held and a
 * {@link BatchWindowScheduler} releases them in their windows. Two duties around it:
 * - a record of a real-time entity waiting for a parent a batched entity writes (an order line for a new product's
 *   price book entry), or adding to a record one creates (stock levels merged into a new Product2), opens that
 *   entity's lane early, until what its topic held is applied: a real-time record is never held back until the
 *   window (the ParentTracker reports the objects awaited);
 * - after a window of an entity the reconciler knows (Customer → Account, Product → Product2, SalesOrder → Order…) closed with nothing
 *   left waiting, a reconcile pass of it (with repair) covers what changed since the previous such pass, as the
 *   scheduled passes do; a window that closed with records still waiting leaves the pass to the next one (they would
 *   read as drift).
 */
export class SalesforceBatchWindows implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private scheduler?: BatchWindowScheduler;
  private host?: ConsumerHost;
  private reconciler: ReconcilerService | null = null;
  /** Per entity: the start of the next pass's window (the previous successful pass's start). */
  private readonly reconcileSince = new Map<ReconcileEntity, number>();
  private stopping = false;

  constructor(
    private readonly options: BatchWindowsOptions,
    private readonly mapping: SalesforceMapping,
    private readonly log: Logger,
  ) {
    this.logRealTimeDependents();
  }

  /** Called by the module's factory: the consumers and the reconciler exist only once Nest built them. */
  attach(host: ConsumerHost, reconciler: ReconcilerService | null): this {
    this.host = host;
    this.reconciler = reconciler;
    return this;
  }

  /** Whether `entity` is applied in batch windows. */
  isBatched(entity: string): boolean {
    return this.options.windows.has(entity);
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.options.windows.size === 0 || !this.host) return;
    // The lanes exist once the consumer host started them (its own bootstrap, run alongside this one); they start held.
    await this.host.whenStarted();
    const host = this.host;
    this.scheduler = new BatchWindowScheduler(
      [...this.options.windows].map(([entity, window]) => ({
        entity,
        window,
        lane: host.gate(laneNameOf(topicOf(entity))),
      })),
      {
        timeZone: this.options.timeZone,
        onClosed: (closed) => this.afterWindow(closed),
        log: this.log,
      },
    );
    this.scheduler.start();
    for (const entity of this.options.windows.keys()) {
      const reconciled = reconcileEntityOf(entity);
      if (!reconciled || !this.reconciler) {
        this.log.info(
          { entity },
          reconciled
            ? 'no reconcile pass after its batch windows: ODOO_CDC_URL is not set'
            : `no reconcile pass after its batch windows: the reconciler covers ${RECONCILE_ENTITY_NAMES.join(', ')}`,
        );
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await this.scheduler?.stop();
  }

  /** The ParentTracker waits for records of these objects: open the batched entities that create them. */
  parentsAwaited(objects: ReadonlySet<string>): void {
    if (!this.scheduler) return;
    for (const object of objects) {
      for (const entity of this.mapping.creatorsOf(object)) {
        if (this.isBatched(entity)) this.scheduler.requestParent(entity);
      }
    }
  }

  /** `hub_batch_window_open`, `hub_batch_window_next_open_timestamp_seconds`, `hub_batch_window_opens_total`. */
  registerMetrics(metrics: HubMetrics): void {
    if (this.options.windows.size === 0) return;
    const states = () => this.scheduler?.states() ?? [];
    metrics.gauge(
      'hub_batch_window_open',
      "1 while a batched entity's lane reads and applies its records (window, interval or a real-time record's parent), 0 while its records wait on Kafka, by entity and window (SF_BATCH_WINDOWS). The records waiting are its lane's hub_consumer_lag_records.",
      ['entity', 'window'],
      (set) => {
        for (const s of states()) set({ entity: s.entity, window: s.window }, s.open ? 1 : 0);
      },
    );
    metrics.gauge(
      'hub_batch_window_next_open_timestamp_seconds',
      "When a batched entity's window (or interval) next opens, as a Unix time.",
      ['entity'],
      (set) => {
        for (const s of states()) if (Number.isFinite(s.nextOpenAt)) set({ entity: s.entity }, s.nextOpenAt / 1_000);
      },
    );
    metrics.counter(
      'hub_batch_window_opens_total',
      "Times a batched entity's lane opened, by entity and reason: window (a timed window), interval (an `every` interval with records waiting), parent (a real-time record waited for a record of it).",
      ['entity', 'reason'],
      (set) => {
        for (const s of states())
          for (const [reason, n] of Object.entries(s.opens)) set({ entity: s.entity, reason }, n);
      },
    );
  }

  private async afterWindow(closed: WindowClosed): Promise<void> {
    const entity = reconcileEntityOf(closed.entity);
    if (!entity || !this.reconciler) return;
    if (!closed.caughtUp) {
      this.log.info(
        { entity: closed.entity },
        'no reconcile pass after this batch window: records still wait for the next one',
      );
      return;
    }
    // Records of the window parked for their parents (an order line for its product) are not written yet: the pass
    // would find them missing and publish them again. It waits for the park to empty, at most as long as they do.
    if (!(await this.parkSettled())) {
      this.log.info(
        { entity: closed.entity },
        'no reconcile pass after this batch window: records still wait for their parents on the park',
      );
      return;
    }
    const startedAt = Date.now();
    const sinceMs = this.reconcileSince.get(entity) ?? closed.openedAt - this.options.firstReconcileWindowMs;
    const report = await this.reconciler.run({ entity, sinceMs, repair: true, trigger: 'batch-window' });
    if (report.status === 'ok') this.reconcileSince.set(entity, startedAt);
  }

  /** Whether the park lane has read everything parked, waiting up to the parent wait (and a little) for it. */
  private async parkSettled(): Promise<boolean> {
    const park = this.host!.gate(this.options.parkedLane);
    const deadline = Date.now() + this.options.parentWaitMs + 10_000;
    while (!this.stopping) {
      const offsets = await park.offsets();
      if (offsets.every((o) => o.committed >= o.end)) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    return false;
  }

  /** At start: real-time entities whose records need records a batched entity writes, and what happens to them. */
  private logRealTimeDependents(): void {
    for (const topic of PROJECTED_TOPICS) {
      const entity = entityOfTopic(topic);
      if (this.isBatched(entity)) continue;
      for (const need of this.mapping.needs(entity)) {
        const batched = this.mapping.creatorsOf(need.object).filter((c) => c !== entity && this.isBatched(c));
        if (batched.length === 0) continue;
        this.log.info(
          { entity, needs: need.object, how: need.how, batched },
          'a real-time entity needs records a batched one writes: one waiting for such a record opens the batched lane early',
        );
      }
    }
  }
}

function topicOf(entity: string): CanonicalTopicKey {
  const topic = PROJECTED_TOPICS.find((k) => entityOfTopic(k) === entity);
  if (!topic) throw new Error(`no projected topic carries ${entity}`);
  return topic;
}

/** The reconciler's entity for a canonical one (Customer → Account, Product → Product2…), if it has one. */
function reconcileEntityOf(entity: string): ReconcileEntity | undefined {
  return RECONCILE_ENTITY_NAMES.find((name) => RECONCILE_ENTITIES[name].source === entity);
}
