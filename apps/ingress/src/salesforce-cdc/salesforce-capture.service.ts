import type { IHeaders, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import {
  canonicalEnvelope,
  Envelope,
  canonicalEvent,
  CanonicalPublisher,
  deterministicEventId,
  FieldOwnership,
  OutgoingRecord,
} from '@hub/canonical';
import { DLQ_HEADERS, PermanentErrorCode } from '@hub/resilience';
import { activeTraceContext, HubSpanAttribute, inConsumerSpan, isoTime } from '@hub/runtime';
import type { ChangeStream, StreamEnd, StreamItem, StreamStart, StreamSubscription } from './change-stream.port';
import { EchoRules, hubWrote } from './echo-filter';
import type { ReplayCheckpoint, ReplayCheckpoints } from './replay-checkpoints';
import {
  activates,
  CapturedEntity,
  capturedFieldNames,
  canonicalIdOf,
  isCapturedEntity,
  RecordFields,
  toContact,
  toCustomer,
  toOrderSubmission,
  touchedCanonicalFields,
} from './salesforce-canonical.mapper';
import { isGap, SalesforceChange } from './salesforce-change';
import type { SalesforceMirror } from './salesforce-mirror.repository';
import type { RestRecord, SalesforceReader } from './salesforce-reader.port';

export interface CaptureOptions {
  /** Channels to subscribe, e.g. /data/AccountChangeEvent. */
  channels: readonly string[];
  /** Where a channel without a checkpoint starts. */
  initialStart: 'earliest' | 'latest';
  echo: EchoRules;
  deadLetterTopic: string;
  /** A repair after an expired replay id re-reads from this long before the checkpoint's commit time. */
  repairMarginMs: number;
  /** Wait before resubscribing after a failure (doubles up to 30 s). */
  retryDelayMs: number;
}

/** Counters exposed on /metrics. */
export interface CaptureMetrics {
  changes: number;
  published: number;
  echoDropped: Record<string, number>;
  echoDroppedFields: number;
  notOwned: number;
  ignored: number;
  deadLettered: number;
  repairs: Record<string, number>;
  backfillReads: number;
  transactions: number;
  resubscriptions: number;
}

interface RecordState {
  fields: RecordFields;
  deleted: boolean;
}

/** Everything one batch of a channel commits: mirror rows first, then its events, dead letters and checkpoint. */
interface BatchOutput {
  records: OutgoingRecord[];
  deadLetters: { key: string; value: Buffer | null; headers: IHeaders }[];
  mirror: Map<string, Map<string, RecordState & { replayId: string }>>;
  /** Orders this batch activated, read whole at its end in a few queries (the order submissions they become). */
  activated: {
    recordId: string;
    activatedAt: number;
    envelope: (submissionId: string) => Envelope;
    /** The change event's trace, which the order submission read at the batch's end continues. */
    traceContext: unknown;
  }[];
}

/** Transaction ids of Kafka allow one open transaction per producer: batches of all channels take turns. */
class Turns {
  private last: Promise<unknown> = Promise.resolve();
  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.last.then(work, work);
    this.last = next.catch(() => undefined);
    return next;
  }
}

/**
 * Salesforce Change Data Capture into canonical events, exactly once. Per channel: subscribe after the checkpoint;
 * for each batch, apply the changes to the mirror (the whole record), drop the hub's own writes (echo), turn the
 * rest into canonical events restricted to what Salesforce owns for each record, and commit the events, the dead
 * letters and the new checkpoint in one Kafka transaction. An expired replay id or a gap event is repaired by
 * re-reading the records through the REST API.
 */
export class SalesforceCaptureService {
  readonly metrics: CaptureMetrics = {
    changes: 0,
    published: 0,
    echoDropped: {},
    echoDroppedFields: 0,
    notOwned: 0,
    ignored: 0,
    deadLettered: 0,
    repairs: {},
    backfillReads: 0,
    transactions: 0,
    resubscriptions: 0,
  };
  /** Latest replay id known per channel (from events and keepalives), and the checkpoint per channel. */
  readonly positions = new Map<string, { checkpoint?: ReplayCheckpoint; latest?: string; subscribed: boolean }>();
  private readonly subscriptions = new Map<string, StreamSubscription>();
  private readonly turns = new Turns();
  private stopped = false;

  constructor(
    private readonly stream: ChangeStream,
    private readonly reader: SalesforceReader,
    private readonly mirror: SalesforceMirror,
    private readonly checkpoints: ReplayCheckpoints,
    private readonly producer: Producer,
    private readonly publisher: CanonicalPublisher,
    private readonly ownership: FieldOwnership,
    private readonly options: CaptureOptions,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await Promise.all(this.options.channels.map((channel) => this.subscribe(channel)));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const s of this.subscriptions.values()) s.close();
    this.subscriptions.clear();
    // A batch being committed finishes first.
    await this.turns.run(() => Promise.resolve());
  }

  /** True while every channel is subscribed (readiness). */
  allSubscribed(): boolean {
    return this.options.channels.every((c) => this.positions.get(c)?.subscribed);
  }

  private position(channel: string) {
    let p = this.positions.get(channel);
    if (!p) this.positions.set(channel, (p = { subscribed: false }));
    return p;
  }

  private async subscribe(channel: string, delayMs = this.options.retryDelayMs): Promise<void> {
    if (this.stopped) return;
    try {
      const checkpoint = await this.checkpoints.read(channel);
      this.position(channel).checkpoint = checkpoint;
      const start: StreamStart = checkpoint ? { afterReplayId: checkpoint.replayId } : this.options.initialStart;
      const subscription = await this.stream.subscribe(channel, start, {
        onItems: (items) => this.handle(channel, items),
        onKeepalive: (latest) => (this.position(channel).latest = latest),
        onEnd: (end) => void this.ended(channel, end, checkpoint),
      });
      this.subscriptions.set(channel, subscription);
      this.position(channel).subscribed = true;
      this.log.info({ channel, start }, 'salesforce change stream subscribed');
    } catch (error) {
      this.log.warn({ channel, err: error, delayMs }, 'salesforce change stream: subscribing failed, retrying');
      this.retry(channel, delayMs);
    }
  }

  private retry(channel: string, delayMs: number) {
    if (this.stopped) return;
    this.metrics.resubscriptions++;
    setTimeout(() => void this.subscribe(channel, Math.min(delayMs * 2, 30_000)), delayMs).unref();
  }

  private async ended(channel: string, end: StreamEnd, checkpoint: ReplayCheckpoint | undefined) {
    this.position(channel).subscribed = false;
    this.subscriptions.delete(channel);
    if (this.stopped) return;
    if (end.reason === 'replayIdRefused' && checkpoint) {
      this.log.warn({ channel, checkpoint, why: end.message }, 'stored replay id refused (expired): repairing');
      try {
        await this.repairExpired(channel, checkpoint);
      } catch (error) {
        this.log.error({ channel, err: error }, 'repair after an expired replay id failed, retrying');
        return this.retry(channel, this.options.retryDelayMs);
      }
      return;
    }
    this.log.warn({ channel, ...end }, 'salesforce change stream ended, resubscribing');
    this.retry(channel, this.options.retryDelayMs);
  }

  /**
   * The checkpoint is past the retention window: what changed since its commit time is re-read through REST and
   * published, the stream restarts at its tip, and a second read closes the window between the first read and the
   * subscription. Both reads publish whole records, so overlapping them with the stream only repeats a state.
   */
  private async repairExpired(channel: string, checkpoint: ReplayCheckpoint): Promise<void> {
    const entity = entityOfChannel(channel);
    const since = new Date(checkpoint.commitTimestamp - this.options.repairMarginMs);
    const startedAt = new Date();
    await this.repairWindow(channel, entity, since, 'expired');
    const subscription = await this.stream.subscribe(channel, 'latest', {
      onItems: (items) => this.handle(channel, items),
      onKeepalive: (latest) => (this.position(channel).latest = latest),
      onEnd: (end) => void this.ended(channel, end, this.position(channel).checkpoint),
    });
    this.subscriptions.set(channel, subscription);
    this.position(channel).subscribed = true;
    await this.repairWindow(channel, entity, new Date(startedAt.getTime() - this.options.repairMarginMs), 'expired');
  }

  private async repairWindow(channel: string, entity: string | undefined, since: Date, why: string) {
    if (!entity || !isCapturedEntity(entity)) return;
    const rows = await this.reader.changedSince(entity, since, capturedFieldNames(entity));
    const checkpoint = this.position(channel).checkpoint;
    const out = emptyOutput();
    const replayId = checkpoint?.replayId ?? '0';
    for (const row of rows) {
      await this.publishState(out, entity, String(row.Id), restFields(row), false, {
        ...syntheticChange(channel, entity, String(row.Id), replayId),
        changeType: 'SNAPSHOT',
      });
    }
    this.count(this.metrics.repairs, why, rows.length || 1);
    this.log.info({ channel, since, records: rows.length }, 'salesforce records re-read');
    await this.commit(channel, out, checkpoint);
  }

  /** One batch of a channel: decode, mirror, filter, map; then commit it all in one transaction. */
  private async handle(channel: string, items: StreamItem[]): Promise<void> {
    const out = emptyOutput();
    let last: ReplayCheckpoint | undefined;
    for (const item of items) {
      if (item.kind === 'undecodable') {
        out.deadLetters.push(deadLetter(channel, item.replayId, item.reason, item.raw));
        this.metrics.deadLettered++;
        last = { replayId: item.replayId, commitTimestamp: last?.commitTimestamp ?? Date.now() };
        continue;
      }
      const change = item.change;
      this.metrics.changes++;
      last = { replayId: change.replayId, commitTimestamp: change.commitTimestamp };
      this.position(channel).latest = change.replayId;
      if (!isCapturedEntity(change.entityName)) {
        this.metrics.ignored++;
        continue;
      }
      const entity = change.entityName;
      // The first hop of each record's trace: the change event, labelled with its source position and commit time.
      await inConsumerSpan(`process ${channel}`, changeSpanAttributes(channel, change), () =>
        isGap(change) ? this.repairGap(out, entity, change) : this.apply(out, entity, change),
      );
    }
    if (!last) return;
    await this.commit(channel, out, last);
    this.position(channel).checkpoint = last;
  }

  private async repairGap(out: BatchOutput, entity: CapturedEntity, change: SalesforceChange) {
    const fields = capturedFieldNames(entity);
    const rows =
      change.changeType === 'GAP_OVERFLOW' || change.recordIds.length === 0
        ? // No record ids: everything changed since the overflowing transaction committed.
          await this.reader.changedSince(entity, new Date(change.commitTimestamp - 1_000), fields)
        : await this.reader.byIds(entity, change.recordIds, fields);
    const found = new Set(rows.map((r) => String(r.Id)));
    for (const row of rows) await this.publishState(out, entity, String(row.Id), restFields(row), false, change);
    for (const id of change.recordIds.filter((i) => !found.has(i))) {
      await this.publishState(out, entity, id, (await this.state(out, entity, id))?.fields ?? {}, true, change);
    }
    this.count(this.metrics.repairs, change.changeType, 1);
  }

  private async apply(out: BatchOutput, entity: CapturedEntity, change: SalesforceChange) {
    const echo = hubWrote(change, this.options.echo);
    if (echo) {
      this.count(this.metrics.echoDropped, echo, change.recordIds.length);
      this.metrics.echoDroppedFields += change.changedFields.length || Object.keys(change.fields).length;
    }
    for (const recordId of change.recordIds) {
      const before = await this.state(out, entity, recordId);
      // The hub's own update of a record the mirror does not know: nothing to learn without a read, and nothing to
      // publish; a later change by someone else reads it whole.
      if (echo && !before && change.changeType !== 'CREATE') continue;
      let fields: RecordFields;
      if (change.changeType === 'DELETE') {
        // Whether the record is Salesforce's to delete depends on its origin, which only the mirror knows.
        if (!before) {
          this.metrics.notOwned++;
          continue;
        }
        fields = before.fields;
      } else if (change.changeType === 'CREATE' || change.changeType === 'SNAPSHOT' || before) {
        fields = { ...(change.changeType === 'CREATE' ? {} : before?.fields), ...pick(change.fields, entity) };
        for (const nulled of change.nulledFields) if (nulled in fields) fields[nulled] = null;
      } else {
        // A record changed before the hub first saw it: its whole state is read once.
        this.metrics.backfillReads++;
        const [row] = await this.reader.byIds(entity, [recordId], capturedFieldNames(entity));
        fields = row ? restFields(row) : pick(change.fields, entity);
      }
      const deleted = change.changeType === 'DELETE';
      if (echo) {
        // The hub's own write: the mirror learns it, nothing is published.
        this.remember(out, entity, recordId, { fields, deleted }, change.replayId);
        continue;
      }
      await this.publishState(out, entity, recordId, fields, deleted, change);
    }
  }

  /** Records the state in the mirror and publishes what Salesforce owns of it, if this change touched any of that. */
  private async publishState(
    out: BatchOutput,
    entity: CapturedEntity,
    recordId: string,
    fields: RecordFields,
    deleted: boolean,
    change: SalesforceChange,
  ) {
    this.remember(out, entity, recordId, { fields, deleted }, change.replayId);
    const envelopeOf = (eventType: string, aggregateId: string) =>
      canonicalEnvelope({
        eventId: deterministicEventId('salesforce', change.channel, change.replayId, recordId, change.changeType),
        eventType,
        aggregateId,
        occurredAt: change.commitTimestamp,
        sourceSystem: 'SALESFORCE',
        sourceTable: entity,
        sourcePrimaryKey: recordId,
        sourcePosition: Number(change.replayId),
        sourceTransactionId: change.transactionKey || null,
        sourceEventId: change.replayId,
      });
    if (entity === 'Order') {
      if (deleted || !activates(change.changeType, change.changedFields, fields)) return;
      // An order that came from Odoo is already in the ERP: activating it in Salesforce submits nothing.
      if (typeof fields.Odoo_Id__c === 'string' && fields.Odoo_Id__c) return void this.metrics.notOwned++;
      out.activated.push({
        recordId,
        traceContext: activeTraceContext(),
        activatedAt: change.commitTimestamp,
        envelope: (submissionId) => envelopeOf('order-submission.submitted', submissionId),
      });
      return;
    }
    const canonicalEntity = entity === 'Account' ? 'Customer' : 'Contact';
    const id = canonicalIdOf(entity, recordId, fields.Odoo_Id__c);
    const owned = new Set(this.ownership.fieldsOwnedBy(canonicalEntity, 'salesforce', id));
    if (deleted) {
      // Only a record created in Salesforce is Salesforce's to delete; an Odoo customer deleted in the CRM stays.
      if (!id.startsWith('salesforce-')) return void this.metrics.notOwned++;
      const topic = entity === 'Account' ? 'customer' : 'contact';
      out.records.push({
        topic,
        key: id,
        value: canonicalEvent(topic, envelopeOf(`${topic}.deleted`, id), null),
        traceContext: activeTraceContext(),
      });
      return;
    }
    const touched =
      change.changeType === 'UPDATE' || change.changeType === 'UNDELETE'
        ? touchedCanonicalFields(entity, [...change.changedFields, ...change.nulledFields])
        : new Set([...owned]);
    if (![...touched].some((f) => owned.has(f))) return void this.metrics.notOwned++;
    if (entity === 'Account') {
      const customer = toCustomer(recordId, fields);
      out.records.push({
        topic: 'customer',
        key: customer.id,
        value: canonicalEvent('customer', envelopeOf('customer.upserted', customer.id), customer),
        traceContext: activeTraceContext(),
      });
    } else {
      const accountId = typeof fields.AccountId === 'string' ? fields.AccountId : null;
      const contact = toContact(recordId, fields, accountId ? await this.accountCanonicalId(out, accountId) : null);
      out.records.push({
        topic: 'contact',
        key: contact.id,
        value: canonicalEvent('contact', envelopeOf('contact.upserted', contact.id), contact),
        traceContext: activeTraceContext(),
      });
    }
  }

  private async accountCanonicalId(out: BatchOutput, accountId: string): Promise<string> {
    let account = await this.state(out, 'Account', accountId);
    if (!account) {
      this.metrics.backfillReads++;
      const [row] = await this.reader.byIds('Account', [accountId], capturedFieldNames('Account'));
      if (row) {
        account = { fields: restFields(row), deleted: false };
        this.remember(out, 'Account', accountId, account, '');
      }
    }
    return canonicalIdOf('Account', accountId, account?.fields.Odoo_Id__c);
  }

  /** The record's state: as this batch left it, else as the mirror holds it. */
  private async state(out: BatchOutput, entity: string, id: string): Promise<RecordState | undefined> {
    const pending = out.mirror.get(entity)?.get(id);
    if (pending) return pending;
    return (await this.mirror.get(entity, [id])).get(id);
  }

  private remember(out: BatchOutput, entity: string, id: string, state: RecordState, replayId: string) {
    let rows = out.mirror.get(entity);
    if (!rows) out.mirror.set(entity, (rows = new Map()));
    rows.set(id, { ...state, replayId });
  }

  /**
   * Mirror first (replaying a batch re-applies it in order), then one Kafka transaction: the canonical events, the
   * dead letters and the channel's checkpoint become visible together or not at all.
   */
  /** The batch's activated orders, read whole in a few queries, as order submissions (a deleted one submits nothing). */
  private async submitActivated(out: BatchOutput) {
    if (!out.activated.length) return;
    const reads = await this.reader.readOrders(out.activated.map((a) => a.recordId));
    for (const { recordId, activatedAt, envelope, traceContext } of out.activated) {
      const read = reads.get(recordId);
      if (!read) continue;
      const submission = toOrderSubmission(read, activatedAt);
      out.records.push({
        topic: 'order-submission',
        key: submission.id,
        value: canonicalEvent('order-submission', envelope(submission.id), submission),
        traceContext,
      });
    }
    out.activated = [];
  }

  private async commit(channel: string, out: BatchOutput, checkpoint: ReplayCheckpoint | undefined) {
    await this.submitActivated(out);
    for (const [entity, rows] of out.mirror) {
      await this.mirror.put(
        entity,
        [...rows].map(([id, r]) => ({ id, fields: r.fields, deleted: r.deleted, replayId: r.replayId })),
      );
    }
    if (!checkpoint && out.records.length === 0 && out.deadLetters.length === 0) return;
    await this.turns.run(async () => {
      for (let attempt = 1; ; attempt++) {
        const transaction = await this.producer.transaction();
        try {
          await this.publisher.through(transaction).publish(out.records);
          if (out.deadLetters.length) {
            await transaction.send({ topic: this.options.deadLetterTopic, acks: -1, messages: out.deadLetters });
          }
          if (checkpoint) await this.checkpoints.commitIn(transaction, channel, checkpoint);
          await transaction.commit();
          return;
        } catch (error) {
          await transaction.abort().catch(() => undefined);
          // The coordinator still completing the previous transaction (CONCURRENT_TRANSACTIONS) and other retriable
          // answers: the whole transaction again, a moment later; anything else ends the stream, which resubscribes
          // after the last committed replay id.
          const retriable = (error as { retriable?: boolean }).retriable === true;
          if (!retriable || attempt >= MAX_TRANSACTION_ATTEMPTS) throw error;
          this.log.warn({ channel, attempt, err: error }, 'kafka transaction refused, trying again');
          await new Promise((r) => setTimeout(r, 100 * attempt));
        }
      }
    });
    this.metrics.transactions++;
    this.metrics.published += out.records.length;
  }

  private count(counter: Record<string, number>, key: string, n: number) {
    counter[key] = (counter[key] ?? 0) + n;
  }
}

/** Tries of one batch's transaction before the stream is restarted from its checkpoint. */
const MAX_TRANSACTION_ATTEMPTS = 8;

function emptyOutput(): BatchOutput {
  return { records: [], deadLetters: [], mirror: new Map(), activated: [] };
}

/** `/data/AccountChangeEvent` → Account; `/data/Foo__ChangeEvent` → Foo__c. */
export function entityOfChannel(channel: string): string | undefined {
  const match = /^\/data\/(\w+?)(__)?ChangeEvent$/.exec(channel);
  if (!match) return undefined;
  return match[2] ? `${match[1]}__c` : match[1];
}

/** The captured fields of a change (a change carries only those that changed). */
function pick(fields: RecordFields, entity: CapturedEntity): RecordFields {
  const out: RecordFields = {};
  for (const name of capturedFieldNames(entity)) if (name in fields) out[name] = fields[name];
  return out;
}

/** A REST record's own fields (relationships left out). */
function restFields(row: RestRecord): RecordFields {
  const out: RecordFields = {};
  for (const [key, value] of Object.entries(row)) {
    if (key !== 'Id' && (value === null || typeof value !== 'object')) out[key] = value;
  }
  return out;
}

function syntheticChange(channel: string, entity: string, recordId: string, replayId: string): SalesforceChange {
  return {
    channel,
    replayId,
    entityName: entity,
    recordIds: [recordId],
    changeType: 'SNAPSHOT',
    changeOrigin: '',
    commitUser: '',
    commitTimestamp: Date.now(),
    transactionKey: '',
    sequenceNumber: 0,
    changedFields: [],
    nulledFields: [],
    fields: {},
  };
}

function deadLetter(channel: string, replayId: string, reason: string, raw: Buffer | null) {
  return {
    key: `${channel}:${replayId}`,
    value: raw,
    headers: {
      [DLQ_HEADERS.reason]: PermanentErrorCode.UNDECODABLE,
      [DLQ_HEADERS.message]: reason.slice(0, 4000),
      [DLQ_HEADERS.sourceTopic]: channel,
      [DLQ_HEADERS.sourceOffset]: replayId,
      [DLQ_HEADERS.consumer]: 'ingress',
      [DLQ_HEADERS.failedAt]: new Date().toISOString(),
      'hub-salesforce-replay-id': replayId,
    },
  };
}

/** The span attributes of one change event: the channel, and where and when Salesforce committed it. */
function changeSpanAttributes(channel: string, change: SalesforceChange) {
  return {
    'messaging.system': 'salesforce_pubsub',
    'messaging.operation.type': 'process',
    'messaging.operation.name': 'process',
    'messaging.destination.name': channel,
    'messaging.message.id': change.replayId,
    [HubSpanAttribute.sourceSystem]: 'SALESFORCE',
    [HubSpanAttribute.sourceTable]: change.entityName,
    [HubSpanAttribute.sourcePosition]: String(change.replayId),
    [HubSpanAttribute.sourceCommitTime]: isoTime(change.commitTimestamp) ?? '',
    'hub.salesforce.change_type': change.changeType,
    'hub.salesforce.record_ids': change.recordIds.join(','),
  };
}
