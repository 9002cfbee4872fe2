import { Injectable } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import { CanonicalValidationError, DeferredSender } from '@hub/canonical';
import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { AggregateProjectionService } from '../aggregates/aggregate-projection.service';
import { checkRow } from '../aggregates/odoo-rows.rules';
import { DebeziumChange, TransactionMarker, transactionPosition } from '../debezium/debezium-change';
import { hubExternalIdChange } from '../links/hub-link.mapper';
import { CdcMirror, isRelationTable, OdooRow } from '../mirror/cdc-mirror.repository';
import { PendingAggregate, PendingAggregates } from '../mirror/pending-aggregates.repository';
import { PartnerProjectionService } from '../partner/partner-projection.service';
import { CdcFetchEffects } from './fetch-effects';

/** The Odoo tables odoo-cdc reads; changes of any other table are counted and skipped. */
export const CAPTURED_TABLES = new Set([
  'res_company',
  'res_country',
  'res_currency',
  // Only the hub's external ids (module hub): which Salesforce record an Odoo partner or order came from.
  'ir_model_data',
  'res_partner',
  'uom_uom',
  'product_category',
  'product_template',
  'product_product',
  'sale_order',
  'sale_order_line',
  'account_journal',
  'account_move',
  'account_move_line',
  'sale_order_line_invoice_rel',
  'account_payment',
  'stock_location',
  'stock_picking_type',
  'stock_picking',
  'stock_move',
  'stock_quant',
]);

/**
 * Debezium's PostgreSQL transaction ids read "<xid>:<lsn>", and the LSN part differs between BEGIN, each change and
 * END of one transaction; the xid is what they share.
 */
export function transactionKey(id: string): string {
  return id.split(':')[0];
}

/** The initial snapshot has no transactions: its aggregates are collected under this id and published at its end. */
export const SNAPSHOT_TRANSACTION = 'initial-snapshot';
const SNAPSHOT_PROGRESS_EVERY = 10_000;
const SNAPSHOT_IN_PROGRESS = new Set(['true', 'first', 'first_in_data_collection', 'last_in_data_collection']);

/**
 * Aggregates of an ending transaction published (and, past the first page, made durable and sent) together: a
 * 100,000-partner snapshot or transaction goes out 1,000 at a time, in bounded memory.
 */
export const PUBLISH_PAGE = 1_000;

/** Whether a change is a row of the initial snapshot (not an incremental re-read, which is published at once). */
export function inInitialSnapshot(change: DebeziumChange): boolean {
  const snapshot = change.source.snapshot ?? 'false';
  return !change.transaction?.id && (SNAPSHOT_IN_PROGRESS.has(snapshot) || snapshot === 'last');
}

export interface IngestMetrics {
  applied: number;
  /** Rows read by an initial or incremental snapshot (op r). */
  snapshotRows: number;
  stale: number;
  unmappedTable: number;
  /** ir_model_data rows of other modules than the hub's: not kept. */
  foreignExternalIds: number;
  transactionsCompleted: number;
  aggregatesPublished: number;
}

/**
 * Applies the ordered Odoo change stream. Each change is checked, stored in the mirror (its effect is then durable,
 * so its offset may be committed), and the aggregates it touches are noted against its transaction. At the
 * transaction's END every touched aggregate is rebuilt from the mirror and published once: consumers see one event
 * per committed transaction, never a header without its lines.
 */
@Injectable()
export class CdcIngestService {
  readonly metrics: IngestMetrics = {
    applied: 0,
    snapshotRows: 0,
    stale: 0,
    unmappedTable: 0,
    foreignExternalIds: 0,
    transactionsCompleted: 0,
    aggregatesPublished: 0,
  };

  constructor(
    private readonly mirror: CdcMirror,
    private readonly pending: PendingAggregates,
    private readonly aggregates: AggregateProjectionService,
    private readonly partners: PartnerProjectionService,
    private readonly sender: DeferredSender,
    private readonly effects: CdcFetchEffects,
    private readonly log: AppLogger,
  ) {}

  async ingest(incoming: DebeziumChange): Promise<void> {
    await this.applyChange(incoming);
    // The snapshot's last record closes it, whatever that record is (a table nothing is built from, a partner, a
    // stale row): the aggregates the snapshot touched are published now, not left pending.
    if (incoming.source.snapshot === 'last') {
      await this.completeTransaction(SNAPSHOT_TRANSACTION, incoming.source.ts_ms);
    }
  }

  private async applyChange(incoming: DebeziumChange): Promise<void> {
    let change = incoming;
    const table = change.source.table;
    if (!CAPTURED_TABLES.has(table) || change.op === 't' || change.op === 'm') {
      this.metrics.unmappedTable++;
      return;
    }
    if (table === 'ir_model_data') {
      const hub = hubExternalIdChange(change);
      const keyOnlyDelete = hub?.op === 'd' && hub.before !== null && !('module' in hub.before);
      if (!hub || (keyOnlyDelete && (await this.mirror.positionOf(table, (hub.before as OdooRow).id)) === undefined)) {
        this.metrics.foreignExternalIds++;
        return;
      }
      change = hub;
    }
    if (change.op !== 'd') checkRow(table, change.after!);
    if (change.source.lsn === null && change.source.snapshot === 'incremental') {
      // A re-read on demand is the row as it is now, watermarked by Debezium against concurrent changes: it takes the
      // position already stored for the row, so it neither loses to nor overrides a newer streamed change.
      const known = isRelationTable(table)
        ? await this.mirror.relationPositionOf(table, change.after!)
        : await this.mirror.positionOf(table, (change.after as OdooRow).id);
      change = { ...change, source: { ...change.source, lsn: known ?? 0 } };
    }
    const { row, stale } = isRelationTable(table)
      ? await this.mirror.applyRelation(table, change)
      : await this.mirror.apply(change);
    if (stale) {
      this.metrics.stale++;
      return;
    }
    this.metrics.applied++;
    if (change.op === 'r' && ++this.metrics.snapshotRows % SNAPSHOT_PROGRESS_EVERY === 0) {
      this.log.info(
        { snapshotRows: this.metrics.snapshotRows, table, snapshot: change.source.snapshot },
        'snapshot progress',
      );
    }
    if (table === 'res_partner') {
      // Within a transaction the partner's upsert waits for its END, where it goes out once with what the transaction
      // left (the hub link the Odoo projector records with a partner it creates, in the same transaction): so the
      // partner never reaches Salesforce unlinked, which would make a second Account. The initial snapshot's partners
      // are collected the same way and published when it ends, read a thousand at a time. Deletions go out at once.
      const collectedUnder =
        change.op === 'd'
          ? undefined
          : change.transaction?.id
            ? transactionKey(change.transaction.id)
            : inInitialSnapshot(change)
              ? SNAPSHOT_TRANSACTION
              : undefined;
      const upsertAtEnd = collectedUnder !== undefined;
      await this.partners.applyChange(change.op === 'd' ? change : { ...change, after: row }, { upsertAtEnd });
      if (upsertAtEnd) {
        const id = (row as OdooRow).id;
        await this.pending.add(collectedUnder, [{ kind: 'partner', id, position: change.source.lsn }]);
      }
      return;
    }
    const affected = await this.aggregates.affectedBy(change, row ?? change.before!);
    if (affected.length === 0) return;
    if (change.transaction?.id) {
      await this.pending.add(transactionKey(change.transaction.id), affected);
    } else if (inInitialSnapshot(change)) {
      await this.pending.add(SNAPSHOT_TRANSACTION, affected);
    } else {
      await this.publish(affected, { transactionId: null, occurredAt: change.source.ts_ms });
    }
  }

  /**
   * Publishes what the transaction touched at the position of its commit (the END marker's LSN): the stream delivers
   * transactions in commit order, so commit LSNs order aggregates whose rows two transactions changed in turn.
   */
  async endTransaction(marker: TransactionMarker): Promise<void> {
    await this.completeTransaction(transactionKey(marker.id), marker.ts_ms, transactionPosition(marker.id));
  }

  private async completeTransaction(transactionId: string, occurredAt: number, commitPosition?: number): Promise<void> {
    const ctx = {
      transactionId: transactionId === SNAPSHOT_TRANSACTION ? null : transactionId,
      occurredAt,
      commitPosition,
    };
    // A page at a time, partners first: after each full page what is held is made durable and sent, so a large
    // transaction or snapshot never sits whole in memory. Sending early is safe: the END's offset is still committed
    // only after the last page, and a crash before that publishes every page again from the pending list.
    let after: PendingAggregate | undefined;
    for (;;) {
      const items = await this.pending.page(transactionId, after, PUBLISH_PAGE);
      if (items.length) await this.publish(items, ctx);
      if (items.length < PUBLISH_PAGE) break;
      after = items[items.length - 1];
      await this.sendHeld();
    }
    // What the transaction touched is forgotten only once its events are acknowledged: a crash before that publishes
    // them again from the pending list when the END is read again.
    this.sender.afterFlush(() => this.pending.clear(transactionId));
    this.metrics.transactionsCompleted++;
  }

  /**
   * Makes the effects held so far durable and sends them, in the middle of a record. A failure is not the record's
   * fault (the runner's own flush would meet it): transient, so the record is retried and never dead-lettered.
   */
  private async sendHeld(): Promise<void> {
    try {
      await this.effects.flush();
    } catch (error) {
      if (error instanceof TransientError) throw error;
      throw new TransientError(
        'FLUSH_FAILED',
        `sending a page of a transaction's events: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  }

  private async publish(
    items: Parameters<AggregateProjectionService['publish']>[0],
    ctx: Parameters<AggregateProjectionService['publish']>[1],
  ) {
    try {
      this.metrics.aggregatesPublished += await this.aggregates.publish(items, ctx);
    } catch (error) {
      if (error instanceof CanonicalValidationError) {
        throw new PermanentError(PermanentErrorCode.INVALID_RECORD, error.message, { cause: error });
      }
      throw error;
    }
  }
}
