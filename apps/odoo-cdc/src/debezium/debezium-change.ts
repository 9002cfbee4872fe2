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
    lsn: number;
    txId?: number | null;
    ts_ms: number;
    snapshot?: string;
  };
  ts_ms?: number;
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
  if (typeof source!.lsn !== 'number' || !Number.isSafeInteger(source!.lsn)) fail('source.lsn is not an integer');
  if (typeof source!.ts_ms !== 'number') fail('source.ts_ms is missing');
  for (const side of ['before', 'after'] as const) {
    const row = v[side];
    if (row !== null && row !== undefined && (typeof row !== 'object' || Array.isArray(row)))
      fail(`${side} is not an object`);
  }
  if ((v.op === 'c' || v.op === 'u' || v.op === 'r') && !v.after) fail(`op ${v.op} without after`);
  return {
    ...(v as unknown as DebeziumChange),
    before: (v.before ?? null) as never,
    after: (v.after ?? null) as never,
  };
}
