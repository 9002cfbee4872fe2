import {
  canonicalEnvelope,
  canonicalEvent,
  CanonicalPublisher,
  Customer,
  deterministicEventId,
  OutgoingRecord,
  salesforceCanonicalIds,
  ServiceCase,
  supportCanonicalIds,
  TopicProducerError,
} from '@hub/canonical';
import { PermanentError, TransientError } from '@hub/resilience';
import { HubDatabase, HubDatabaseError } from '@hub/runtime';
import { DatabaseError, type QueryResult, type QueryResultRow } from 'pg';
import { KafkaJSError } from 'kafkajs';
import pino from 'pino';
import type { IntakeChange } from './intake.port';
import { KafkaIntake } from './kafka-intake.service';

const ACK_TIMEOUT_MS = 50;
const ACCOUNT_ID = '001AP00000Xk3MzYAJ';
const COMMITTED_AT = Date.UTC(2026, 0, 5, 10, 0, 0);

const ledgerKey = (source: string, id: string) => `${source}/${id}`;

function textList(value: unknown, what: string): string[] {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  throw new Error(`${what} is not a list of text`);
}

function result<R extends QueryResultRow>(rows: QueryResultRow[]): QueryResult<R> {
  return { command: '', rowCount: rows.length, oid: 0, fields: [], rows: rows as R[] };
}

/** The `ingress_seen` ledger in memory: it answers the two statements KafkaIntake issues, and can be made to fail. */
class InMemoryHubDatabase extends HubDatabase {
  /** `source/source_event_id` → event id, as the INSERT left them. */
  readonly ledger = new Map<string, string>();
  failure: Error | undefined;
  failInsert: Error | undefined;

  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params: unknown[] = []): Promise<QueryResult<R>> {
    if (this.failure) throw this.failure;
    const statement = sql.trim();
    if (statement.startsWith('SELECT source, source_event_id FROM ingress_seen')) {
      const sources = textList(params[0], 'the sources');
      const ids = textList(params[1], 'the source event ids');
      return result(
        sources.flatMap((source, i) =>
          this.ledger.has(ledgerKey(source, ids[i])) ? [{ source, source_event_id: ids[i] }] : [],
        ),
      );
    }
    if (statement.startsWith('INSERT INTO ingress_seen')) {
      if (this.failInsert) throw this.failInsert;
      const rows: unknown = JSON.parse(String(params[0]));
      if (!Array.isArray(rows)) throw new Error('the INSERT parameter is not a JSON list');
      for (const row of rows as { source: string; id: string; event_id: string }[]) {
        const key = ledgerKey(row.source, row.id);
        if (!this.ledger.has(key)) this.ledger.set(key, row.event_id);
      }
      return result([]);
    }
    throw new Error(`unexpected statement: ${statement}`);
  }
}

type Publish = CanonicalPublisher['publish'];

/** A publisher that acknowledges at once unless told otherwise, and keeps every call. */
const fakePublisher = () => ({ publish: jest.fn<ReturnType<Publish>, Parameters<Publish>>(async () => undefined) });

function customerChange(replayId: string): IntakeChange<'customer'> {
  const customer: Customer = {
    id: salesforceCanonicalIds.account(ACCOUNT_ID),
    odooId: null,
    salesforceId: ACCOUNT_ID,
    name: 'Brasserie Lupulus',
    reference: null,
    vat: null,
    email: null,
    phone: '+32 9 123 45 67',
    website: null,
    address: { street: 'Korenmarkt 1', street2: null, zip: '9000', city: 'Gent', countryCode: 'BE' },
    industry: 'Food & Beverage',
    active: true,
  };
  const envelope = canonicalEnvelope({
    eventId: deterministicEventId('salesforce', '/data/AccountChangeEvent', replayId, ACCOUNT_ID, 'UPDATE'),
    eventType: 'customer.upserted',
    aggregateId: customer.id,
    occurredAt: COMMITTED_AT,
    sourceSystem: 'SALESFORCE',
    sourceTable: 'Account',
    sourcePrimaryKey: ACCOUNT_ID,
    sourcePosition: Number(replayId),
    sourceEventId: replayId,
  });
  return {
    source: 'salesforce-cdc',
    sourceEventId: replayId,
    topic: 'customer',
    value: canonicalEvent('customer', envelope, customer),
  };
}

function serviceCaseChange(eventId: string): IntakeChange<'service-case'> {
  const serviceCase: ServiceCase = {
    id: supportCanonicalIds.zendeskTicket(123),
    desk: 'ZENDESK',
    deskTicketId: '123',
    requester: { deskUserId: '9001', name: 'Ada Peeters', email: 'ada.peeters@lupulus.example' },
    organization: { deskOrganizationId: '77', name: 'Brasserie Lupulus' },
    subject: 'Order #S00042 arrived damaged',
    status: 'open',
    deskStatus: 'OPEN',
    priority: 'high',
    channel: 'email',
    orderReference: 'S00042',
    invoiceReference: null,
    tags: ['return_request'],
    createdAt: COMMITTED_AT,
    updatedAt: COMMITTED_AT + 60_000,
  };
  const envelope = canonicalEnvelope({
    eventId: deterministicEventId('ZENDESK', eventId),
    eventType: 'service-case.upserted',
    aggregateId: serviceCase.id,
    occurredAt: serviceCase.updatedAt,
    sourceSystem: 'SUPPORT',
    sourceTable: 'zendesk.ticket',
    sourcePrimaryKey: '123',
    sourcePosition: serviceCase.updatedAt,
    sourceEventId: eventId,
  });
  return {
    source: 'zendesk',
    sourceEventId: eventId,
    topic: 'service-case',
    value: canonicalEvent('service-case', envelope, serviceCase),
  };
}

const recordOf = (change: IntakeChange): OutgoingRecord => ({
  topic: change.topic,
  key: change.value.envelope.aggregateId,
  value: change.value,
});

/** The error a promise rejects with (the spec fails when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('the promise resolved');
}

function setUp() {
  const db = new InMemoryHubDatabase();
  const salesforce = fakePublisher();
  const support = fakePublisher();
  const intake = new KafkaIntake({ salesforce, support }, db, {
    ackTimeoutMs: ACK_TIMEOUT_MS,
    log: pino({ level: 'silent' }),
  });
  return { db, salesforce, support, intake };
}

describe('KafkaIntake', () => {
  it('publishes a new change, then records its id in the ledger', async () => {
    const { db, salesforce, intake } = setUp();
    const change = customerChange('4711');
    const ledgerWhenPublished: number[] = [];
    salesforce.publish.mockImplementation(async () => void ledgerWhenPublished.push(db.ledger.size));

    await expect(intake.accept([change])).resolves.toEqual({ published: 1, duplicates: 0 });

    expect(salesforce.publish.mock.calls).toEqual([[[recordOf(change)]]]);
    expect(ledgerWhenPublished).toEqual([0]);
    expect([...db.ledger]).toEqual([['salesforce-cdc/4711', change.value.envelope.eventId]]);
    expect(intake.metrics.published).toEqual({ 'salesforce-cdc': 1 });
  });

  it('publishes nothing for an id it has seen, and counts it a duplicate', async () => {
    const { salesforce, intake } = setUp();
    await intake.accept([customerChange('4711')]);

    await expect(intake.accept([customerChange('4711')])).resolves.toEqual({ published: 0, duplicates: 1 });

    expect(salesforce.publish).toHaveBeenCalledTimes(1);
    expect(intake.metrics.duplicates).toEqual({ 'salesforce-cdc': 1 });
  });

  it('publishes only the new changes of a batch that holds a seen one', async () => {
    const { salesforce, intake } = setUp();
    await intake.accept([customerChange('4711')]);
    const fresh = customerChange('4712');

    await expect(intake.accept([customerChange('4711'), fresh])).resolves.toEqual({ published: 1, duplicates: 1 });

    expect(salesforce.publish).toHaveBeenLastCalledWith([recordOf(fresh)]);
  });

  it('publishes once when deliveries of the same id arrive concurrently', async () => {
    const { db, salesforce, intake } = setUp();

    const results = await Promise.all([
      intake.accept([customerChange('4711')]),
      intake.accept([customerChange('4711')]),
      intake.accept([customerChange('4711')]),
    ]);

    expect(results).toEqual([
      { published: 1, duplicates: 0 },
      { published: 0, duplicates: 1 },
      { published: 0, duplicates: 1 },
    ]);
    expect(salesforce.publish).toHaveBeenCalledTimes(1);
    expect(db.ledger.size).toBe(1);
  });

  it('publishes a delivery that waited for a concurrent one of the same id that failed', async () => {
    const { db, salesforce, intake } = setUp();
    salesforce.publish.mockRejectedValueOnce(new KafkaJSError('Broker: Leader not available'));

    const [first, second] = await Promise.allSettled([
      intake.accept([customerChange('4711')]),
      intake.accept([customerChange('4711')]),
    ]);

    expect(first).toMatchObject({ status: 'rejected', reason: { code: 'KAFKA_UNAVAILABLE' } });
    expect(second).toEqual({ status: 'fulfilled', value: { published: 1, duplicates: 0 } });
    expect(salesforce.publish).toHaveBeenCalledTimes(2);
    expect(db.ledger.size).toBe(1);
  });

  it('rejects with KAFKA_UNAVAILABLE when Kafka does not acknowledge in time, records nothing, and a retry publishes', async () => {
    const { db, salesforce, intake } = setUp();
    salesforce.publish.mockImplementationOnce(() => new Promise<void>(() => undefined));
    // A publish that never ends: the intake gives up after its ack timeout (the test would time out otherwise).
    const error = await rejection(intake.accept([customerChange('4711')]));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'KAFKA_UNAVAILABLE',
      retryAfterMs: 5_000,
      message: `Kafka did not acknowledge within ${ACK_TIMEOUT_MS} ms`,
    });
    expect(db.ledger.size).toBe(0);
    expect(intake.metrics.unavailable).toBe(1);

    await expect(intake.accept([customerChange('4711')])).resolves.toEqual({ published: 1, duplicates: 0 });
    expect(salesforce.publish).toHaveBeenCalledTimes(2);
    expect([...db.ledger.keys()]).toEqual(['salesforce-cdc/4711']);
  });

  it('rejects with KAFKA_UNAVAILABLE, carrying the cause, when Kafka refuses the events', async () => {
    const { db, salesforce, intake } = setUp();
    const refused = new KafkaJSError('Broker: Not enough in-sync replicas');
    salesforce.publish.mockRejectedValueOnce(refused);

    const error = await rejection(intake.accept([customerChange('4711')]));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'KAFKA_UNAVAILABLE',
      retryAfterMs: 5_000,
      message: 'Kafka refused the events: Broker: Not enough in-sync replicas',
      cause: refused,
    });
    expect(db.ledger.size).toBe(0);
  });

  it("refuses, for good, an event id PostgreSQL cannot store (a data exception is the request's fault)", async () => {
    const { db, intake } = setUp();
    db.failure = new HubDatabaseError(
      Object.assign(new DatabaseError('invalid byte sequence', 0, 'error'), { code: '22021' }),
    );

    const error = await rejection(intake.accept([customerChange('4711')]));

    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'INVALID_RECORD' });
  });

  it('lets a defect (a topic the app may not produce) through as it is, not as an outage to retry', async () => {
    const { db, salesforce, intake } = setUp();
    const defect = new TopicProducerError('ingress', ['product']);
    salesforce.publish.mockRejectedValueOnce(defect);

    await expect(intake.accept([customerChange('4711')])).rejects.toBe(defect);
    expect(db.ledger.size).toBe(0);
  });

  it('rejects with HUB_DATABASE_UNAVAILABLE and publishes nothing when the ledger cannot be read', async () => {
    const { db, salesforce, intake } = setUp();
    db.failure = new HubDatabaseError(new Error('connect ECONNREFUSED'));

    const error = await rejection(intake.accept([customerChange('4711')]));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      code: 'HUB_DATABASE_UNAVAILABLE',
      retryAfterMs: 5_000,
      message: 'hub database: connect ECONNREFUSED',
      cause: db.failure,
    });
    expect(salesforce.publish).not.toHaveBeenCalled();
    expect(intake.metrics.unavailable).toBe(1);
  });

  it('rejects with HUB_DATABASE_UNAVAILABLE when the ledger cannot be written, so the retry publishes again', async () => {
    const { db, salesforce, intake } = setUp();
    db.failInsert = new HubDatabaseError(new Error('terminating connection due to administrator command'));

    const error = await rejection(intake.accept([customerChange('4711')]));

    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ code: 'HUB_DATABASE_UNAVAILABLE' });
    db.failInsert = undefined;
    await expect(intake.accept([customerChange('4711')])).resolves.toEqual({ published: 1, duplicates: 0 });
    expect(salesforce.publish).toHaveBeenCalledTimes(2);
  });

  it("routes each change to the publisher of its envelope's source system", async () => {
    const { db, salesforce, support, intake } = setUp();
    const customer = customerChange('4711');
    const ticket = serviceCaseChange('01HZX3K9V6T1Q8R2M4N5P7W0YB');

    await expect(intake.accept([customer, ticket])).resolves.toEqual({ published: 2, duplicates: 0 });

    expect(salesforce.publish.mock.calls).toEqual([[[recordOf(customer)]]]);
    expect(support.publish.mock.calls).toEqual([[[recordOf(ticket)]]]);
    expect(new Set(db.ledger.keys())).toEqual(new Set(['salesforce-cdc/4711', 'zendesk/01HZX3K9V6T1Q8R2M4N5P7W0YB']));
    expect(intake.metrics.published).toEqual({ 'salesforce-cdc': 1, zendesk: 1 });
  });

  it('publishes nothing for an empty batch', async () => {
    const { salesforce, support, intake } = setUp();

    await expect(intake.accept([])).resolves.toEqual({ published: 0, duplicates: 0 });

    expect(salesforce.publish).not.toHaveBeenCalled();
    expect(support.publish).not.toHaveBeenCalled();
  });
});
