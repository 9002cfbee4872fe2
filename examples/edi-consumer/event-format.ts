/** Where a record came from, for the end of each line. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !Buffer.isBuffer(v);

/** A decoded canonical event: the envelope and one entity field (null on a deletion). */
export interface CanonicalEvent {
  envelope: { eventType: string; aggregateId: string; eventId?: string; sourcePosition?: number };
  [entity: string]: unknown;
}

export function isCanonicalEvent(value: unknown): value is CanonicalEvent {
  return (
    isObject(value) &&
    isObject(value.envelope) &&
    typeof value.envelope.eventType === 'string' &&
    typeof value.envelope.aggregateId === 'string'
  );
}

/**
 * One line about an event: the fields an EDI desk looks at first (reference, state, parties, total, lines), read
 * by name so the same code prints orders, shipments and any other canonical entity.
 */
export function summarize(event: CanonicalEvent): string {
  const [field, record] = Object.entries(event).find(([k]) => k !== 'envelope') ?? ['', undefined];
  if (!isObject(record))
    return event.envelope.eventType.endsWith('.deleted') ? 'deleted' : `${field || 'entity'}: none`;
  const parts: string[] = [];
  const text = (k: string) =>
    typeof record[k] === 'string' || typeof record[k] === 'number' ? String(record[k]) : undefined;
  const headline = text('name') ?? text('number') ?? text('reference') ?? text('id');
  if (headline) parts.push(headline);
  for (const [label, key] of [
    ['state', 'state'],
    ['customer', 'customerId'],
    ['order', 'orderId'],
    ['origin', 'originOrder'],
    ['tracking', 'trackingReference'],
  ]) {
    const v = text(key);
    if (v !== undefined) parts.push(`${label}=${v}`);
  }
  const total = text('amountTotal');
  if (total !== undefined) parts.push(`total=${total}${text('currencyCode') ? ` ${text('currencyCode')}` : ''}`);
  if (Array.isArray(record.lines)) parts.push(`${record.lines.length} line${record.lines.length === 1 ? '' : 's'}`);
  return `${field} ${parts.join(' ')}`.trim();
}

export function formatLine(event: CanonicalEvent, at: RecordPosition): string {
  const { eventType, aggregateId } = event.envelope;
  return `${eventType} ${aggregateId} ${summarize(event)} [${at.topic} ${at.partition}@${at.offset}]`;
}

export function formatJson(event: CanonicalEvent | null, at: RecordPosition): string {
  return JSON.stringify(
    {
      ...at,
      eventType: event?.envelope.eventType ?? null,
      aggregateId: event?.envelope.aggregateId ?? at.key,
      summary: event ? summarize(event) : 'tombstone',
      value: event,
    },
    // Undecoded bytes (e.g. an unknown logical type) as base64, 64-bit integers as strings.
    (_key, v: unknown) =>
      typeof v === 'bigint'
        ? v.toString()
        : isObject(v) && v.type === 'Buffer' && Array.isArray(v.data)
          ? Buffer.from(v.data as number[]).toString('base64')
          : v,
  );
}
