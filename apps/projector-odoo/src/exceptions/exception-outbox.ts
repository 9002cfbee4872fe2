import type { OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import {
  canonicalEnvelope,
  canonicalEvent,
  CanonicalPublisher,
  deterministicEventId,
  OrderException,
  OutgoingRecord,
} from '@hub/canonical';
import { traceContextOf } from '@hub/runtime';
import type { Logger } from 'pino';
import type { OrderExceptionRecord, OrderExceptionRepository } from './order-exception.repository';

export interface ExceptionOutboxOptions {
  /** How often the outbox looks for changes nobody announced (a publish that failed, another instance's crash). */
  pollMs: number;
  /** Changes per publish call. */
  batchSize: number;
}

type Unpublished = Awaited<ReturnType<OrderExceptionRepository['unpublished']>>[number];

/**
 * Publishes every change of a work-queue exception on the order-exception topic, from the hub database (the
 * transactional outbox): the exception row is the truth and carries a version; a change is published after it
 * committed and marked published only after Kafka acknowledged it. So the order's offset can be committed as soon as
 * its exception is stored, and a change is never lost to a crash or to Kafka being down; it may be published twice
 * (two instances, a crash between the ack and the mark), which readers drop by its position (the version).
 */
export class ExceptionOutbox implements OnModuleInit, OnApplicationShutdown {
  readonly metrics = { published: 0, publishFailures: 0 };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private closed = false;

  constructor(
    /** What the outbox uses of the work queue's rows: their changes, and which are not published yet. */
    private readonly exceptions: Pick<OrderExceptionRepository, 'onChange' | 'unpublished' | 'markPublished'>,
    private readonly publisher: Pick<CanonicalPublisher, 'publish'>,
    private readonly options: ExceptionOutboxOptions,
    private readonly log: Logger,
    /** Registers the topic's schema before the first publish (at start, after the topics exist). */
    private readonly prepare: () => Promise<void> = async () => undefined,
  ) {
    exceptions.onChange(() => void this.poke());
  }

  async onModuleInit(): Promise<void> {
    await this.prepare();
    this.timer = setInterval(() => void this.poke(), this.options.pollMs);
    this.timer.unref();
    void this.poke();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Publishes what is waiting; a call while a pass runs makes one more pass after it. */
  poke(): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.poke();
      }
    });
    return this.running;
  }

  private async drain(): Promise<void> {
    try {
      for (;;) {
        const rows = await this.exceptions.unpublished(this.options.batchSize);
        if (!rows.length) return;
        await this.publisher.publish(rows.map(toOutgoing));
        await this.exceptions.markPublished(rows.map(({ id, version }) => ({ id, version })));
        this.metrics.published += rows.length;
        if (rows.length < this.options.batchSize) return;
      }
    } catch (error) {
      // Stored, so not lost: the next poke or poll publishes it.
      this.metrics.publishFailures++;
      this.log.warn({ err: error }, 'order exception changes not published yet: retried on the next pass');
    }
  }
}

const STATUS = { open: 'OPEN', resolved: 'RESOLVED', discarded: 'DISCARDED' } as const;

/** One stored change as the canonical event other systems read. */
export function toOutgoing(row: Unpublished): OutgoingRecord<'order-exception'> {
  const envelope = canonicalEnvelope({
    eventId: deterministicEventId('order-exception', row.id, row.version),
    eventType: 'order-exception.changed',
    aggregateId: row.orderId,
    occurredAt: Date.parse(row.updatedAt),
    sourceSystem: 'HUB',
    sourceTable: 'odoo_order_exception',
    sourcePrimaryKey: row.id,
    sourcePosition: Number(row.version),
  });
  return {
    topic: 'order-exception',
    key: row.orderId,
    value: canonicalEvent('order-exception', envelope, toCanonical(row)),
    // In the trace of the intake, retry or discard that made the change (none for rows from before traces were kept).
    traceContext: traceContextOf(row.traceParent),
  };
}

function toCanonical(
  row: OrderExceptionRecord & { closedBy: string | null; closeNote: string | null },
): OrderException {
  return {
    id: row.orderId,
    exceptionId: row.id,
    salesforceOrderId: row.salesforceOrderId,
    ownerId: row.ownerId,
    kind: row.kind,
    reason: row.reason,
    status: STATUS[row.status],
    attempts: row.attempts,
    contextJson: JSON.stringify(row.context),
    raisedAt: Date.parse(row.createdAt),
    updatedAt: Date.parse(row.updatedAt),
    closedAt: row.closedAt === null ? null : Date.parse(row.closedAt),
    closedBy: row.closedBy,
    closeNote: row.closeNote,
  };
}
