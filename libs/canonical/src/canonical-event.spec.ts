import { canonicalEnvelope, canonicalEvent, CONTRACT_VERSION, eventFieldOf } from './canonical-event';

describe('canonical events', () => {
  const input = {
    eventId: '5f0c6a4e-2b1d-5c3e-9a8b-7d6e5f4a3b2c',
    eventType: 'invoice.upserted',
    aggregateId: 'odoo-invoice-7',
    occurredAt: 1_700_000_000_000,
    sourceSystem: 'ODOO' as const,
    sourcePrimaryKey: '7',
    sourcePosition: 42,
  };

  it('fills the contract version and nulls what the producer has not', () => {
    expect(canonicalEnvelope(input)).toEqual({
      ...input,
      sourceTable: null,
      sourceTransactionId: null,
      sourceEventId: null,
      schemaVersion: CONTRACT_VERSION,
    });
  });

  it('keeps the source event id a producer has, and never lets it override the contract version', () => {
    const envelope = canonicalEnvelope({ ...input, sourceSystem: 'SALESFORCE', sourceEventId: '0000000000000123' });
    expect(envelope).toMatchObject({ sourceSystem: 'SALESFORCE', sourceEventId: '0000000000000123' });
    expect(envelope.schemaVersion).toBe(CONTRACT_VERSION);
  });

  it('puts the entity under its topic field, and null for a deletion', () => {
    expect(eventFieldOf('sales-order')).toBe('salesOrder');
    expect(eventFieldOf('inventory-level')).toBe('inventoryLevel');
    const envelope = canonicalEnvelope(input);
    expect(canonicalEvent('invoice', envelope, null)).toEqual({ envelope, invoice: null });
  });
});
