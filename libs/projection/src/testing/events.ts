import type { Envelope } from '@hub/canonical';

let seq = 0;

/**
 * An envelope as odoo-cdc writes one, for specs that drive the engine with typed events: a fresh event id and a
 * growing source position on each call (so each event is newer than the one before, as a change stream's are).
 */
export function odooEnvelope(eventType: string, aggregateId: string, sourceTable = 'res_partner'): Envelope {
  seq++;
  const eventId = `00000000-0000-4000-8000-${String(seq).padStart(12, '0')}`;
  return {
    eventId,
    eventType,
    aggregateId,
    occurredAt: 0,
    sourceSystem: 'ODOO',
    sourceTable,
    sourcePrimaryKey: aggregateId,
    sourcePosition: 1_000 + seq,
    sourceTransactionId: null,
    sourceEventId: null,
    schemaVersion: 1,
  };
}
