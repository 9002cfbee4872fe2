import { PermanentError, PermanentErrorCode } from '@hub/resilience';

/** The value of a Debezium change event as JsonConverter writes it with `schemas.enable=false`. */
export interface DebeziumChange<Row = Record<string, unknown>> {
  op: 'c' | 'u' | 'd' | 'r' | 't' | 'm';
  before: Row | null;
  after: Row | null;
  source: {
    connector: string;
    name: string;
    db: string;
    schema: string;
    table: string;
    /** WAL position; null only on incremental-snapshot reads. */
    lsn: number;
    txId?: number | null;
    ts_ms: number;
    snapshot?: string;
  };
  ts_ms?: number;
  /** Present when the connector runs with provide.transaction.metadata; absent for snapshot reads. */
  transaction?: { id: string; total_order: number; data_collection_order: number } | null;
}

/** Debezium's transaction boundary record (provide.transaction.metadata=true), routed into the same topic. */
export interface TransactionMarker {
  status: 'BEGIN' | 'END';
  id: string;
  event_count?: number | null;
  data_collections?: { data_collection: string; event_count: number }[] | null;
  ts_ms: number;
}

export function isTransactionMarker(value: unknown): value is TransactionMarker {
  const v = value as Partial<TransactionMarker> | null;
  return !!v && typeof v === 'object' && (v.status === 'BEGIN' || v.status === 'END') && typeof v.id === 'string';
}

/** LSN of a transaction id as Debezium writes it for PostgreSQL ("txId:lsn"). */
export function transactionPosition(id: string): number | undefined {
  const lsn = Number(id.split(':')[1]);
  return Number.isSafeInteger(lsn) ? lsn : undefined;
}

const OPS = new Set(['c', 'u', 'd', 'r', 't', 'm']);

/**
 * Checks that a parsed JSON value has the Debezium envelope the hub relies on, naming the first missing part.
 * A record that fails here is dead-lettered: its bytes are not a change event of the expected shape.
 */
export function assertDebeziumChange(value: unknown, topic: string): DebeziumChange {
  const fail = (what: string) => {
    throw new PermanentError(PermanentErrorCode.INVALID_RECORD, `${topic}: not a Debezium change event: ${what}`);
  };
  if (!value || typeof value !== 'object' || Array.isArray(value)) fail('value is not a JSON object');
  const v = value as Record<string, unknown>;
  if (typeof v.op !== 'string' || !OPS.has(v.op)) fail(`op is ${JSON.stringify(v.op)}, expected one of c,u,d,r,t,m`);
  const source = v.source as Record<string, unknown> | undefined;
  if (!source || typeof source !== 'object') fail('source is missing');
  if (typeof source!.table !== 'string') fail('source.table is missing');
  // Incremental-snapshot reads carry no LSN (they are not WAL records); everything else must.
  const incremental = source!.snapshot === 'incremental';
  if (
    !(incremental && source!.lsn === null) &&
    (typeof source!.lsn !== 'number' || !Number.isSafeInteger(source!.lsn))
  ) {
    fail('source.lsn is not an integer');
  }
  if (typeof source!.ts_ms !== 'number') fail('source.ts_ms is missing');
  for (const side of ['before', 'after'] as const) {
    const row = v[side];
    if (row !== null && row !== undefined && (typeof row !== 'object' || Array.isArray(row)))
      fail(`${side} is not an object`);
  }
  if ((v.op === 'c' || v.op === 'u' || v.op === 'r') && !v.after) fail(`op ${v.op} without after`);
  return {
    op: v.op as DebeziumChange['op'],
    before: (v.before ?? null) as DebeziumChange['before'],
    after: (v.after ?? null) as DebeziumChange['after'],
    source: source as DebeziumChange['source'],
    ts_ms: typeof v.ts_ms === 'number' ? v.ts_ms : undefined,
    transaction: (v.transaction ?? null) as DebeziumChange['transaction'],
  };
}
