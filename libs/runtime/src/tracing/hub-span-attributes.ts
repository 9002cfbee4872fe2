import type { Attributes } from '@opentelemetry/api';

/**
 * The hub's own span attributes, beside OpenTelemetry's messaging and HTTP conventions. They name the record a span
 * worked on, so one record's trace is found in Jaeger by `hub.canonical_id=odoo-partner-42`.
 */
export const HubSpanAttribute = {
  /** The canonical id (`envelope.aggregateId`, also the Kafka key), e.g. `odoo-partner-42`. */
  canonicalId: 'hub.canonical_id',
  /** `envelope.sourceSystem`: ODOO, SALESFORCE, SUPPORT or HUB. */
  sourceSystem: 'hub.source_system',
  /** `envelope.sourcePosition` as text (an LSN, a replay id, a version: a long that may pass 2^53). */
  sourcePosition: 'hub.source_position',
  /** When the source committed the change, ISO 8601 (Odoo: Debezium's `source.ts_ms`; Salesforce: commitTimestamp). */
  sourceCommitTime: 'hub.source_commit_time',
  sourceTable: 'hub.source_table',
  sourceTransactionId: 'hub.source_transaction_id',
  eventType: 'hub.event_type',
  eventId: 'hub.event_id',
} as const;

/** The part of a canonical envelope spans are labelled with; every field optional, so any decoded value fits. */
export interface TracedEnvelope {
  eventId?: string;
  eventType?: string;
  aggregateId?: string;
  sourceSystem?: string;
  sourcePosition?: number | bigint | string;
  sourceTable?: string | null;
  sourceTransactionId?: string | null;
  occurredAt?: number | Date;
}

/** Span attributes of a canonical event's envelope (absent fields are left out). */
export function envelopeAttributes(envelope: TracedEnvelope | undefined): Attributes {
  if (!envelope) return {};
  const attributes: Attributes = {};
  const put = (key: string, value: unknown) => {
    if (value !== undefined && value !== null && value !== '') attributes[key] = String(value);
  };
  put(HubSpanAttribute.canonicalId, envelope.aggregateId);
  put(HubSpanAttribute.sourceSystem, envelope.sourceSystem);
  put(HubSpanAttribute.sourcePosition, envelope.sourcePosition);
  put(HubSpanAttribute.eventType, envelope.eventType);
  put(HubSpanAttribute.eventId, envelope.eventId);
  put(HubSpanAttribute.sourceTable, envelope.sourceTable);
  put(HubSpanAttribute.sourceTransactionId, envelope.sourceTransactionId);
  if (envelope.occurredAt !== undefined) put(HubSpanAttribute.sourceCommitTime, isoTime(envelope.occurredAt));
  return attributes;
}

/** An epoch-millisecond or Date as ISO 8601; undefined for a value that is not a time. */
export function isoTime(at: number | Date): string | undefined {
  const date = typeof at === 'number' ? new Date(at) : at;
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
