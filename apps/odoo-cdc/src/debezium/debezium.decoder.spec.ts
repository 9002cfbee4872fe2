import type { KafkaMessage } from 'kafkajs';
import { PermanentError } from '@hub/resilience';
import { DebeziumDecoder } from './debezium.decoder';

const decoder = new DebeziumDecoder();
const msg = (value: string | null) =>
  ({ value: value === null ? null : Buffer.from(value), offset: '0' }) as KafkaMessage;
const valid = {
  op: 'c',
  before: null,
  after: { id: 1 },
  source: {
    connector: 'postgresql',
    name: 'odoo',
    db: 'odoo',
    schema: 'public',
    table: 'res_partner',
    lsn: 123,
    ts_ms: 1,
  },
};

describe('DebeziumDecoder', () => {
  it('decodes a change event', async () => {
    const e = await decoder.decode(msg(JSON.stringify(valid)), 'odoo.changes');
    expect(e?.eventType).toBe('odoo.change');
  });

  it('recognises transaction markers', async () => {
    const end = { status: 'END', id: '752:36965360', event_count: 2, data_collections: [], ts_ms: 1 };
    expect((await decoder.decode(msg(JSON.stringify(end)), 'odoo.changes'))?.eventType).toBe('odoo.transaction.end');
    const begin = { ...end, status: 'BEGIN', event_count: null };
    expect((await decoder.decode(msg(JSON.stringify(begin)), 'odoo.changes'))?.eventType).toBe(
      'odoo.transaction.begin',
    );
  });

  it('skips tombstones', async () => {
    expect(await decoder.decode(msg(null), 'odoo.changes')).toBeNull();
  });

  it.each([
    ['not json', /value is not JSON/],
    ['[]', /value is not a JSON object/],
    [JSON.stringify({ ...valid, op: 'x' }), /op is "x"/],
    [JSON.stringify({ ...valid, source: { ...valid.source, lsn: 'abc' } }), /source.lsn is not an integer/],
    [JSON.stringify({ ...valid, after: null }), /op c without after/],
  ])('refuses %s with a reason', async (value, reason) => {
    const error = await decoder.decode(msg(value), 'odoo.changes').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(reason);
  });
});
