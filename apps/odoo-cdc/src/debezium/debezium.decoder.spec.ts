import type { KafkaMessage } from 'kafkajs';
import { PermanentError } from '@hub/resilience';
import { DebeziumDecoder } from './debezium.decoder';

const decoder = new DebeziumDecoder('odoo');
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
  it('routes by the topic table', async () => {
    const e = await decoder.decode(msg(JSON.stringify(valid)), 'odoo.public.res_partner');
    expect(e?.eventType).toBe('odoo.res_partner.changed');
  });

  it('skips tombstones', async () => {
    expect(await decoder.decode(msg(null), 'odoo.public.res_partner')).toBeNull();
  });

  it.each([
    ['not json', /value is not JSON/],
    ['[]', /value is not a JSON object/],
    [JSON.stringify({ ...valid, op: 'x' }), /op is "x"/],
    [JSON.stringify({ ...valid, source: { ...valid.source, lsn: 'abc' } }), /source.lsn is not an integer/],
    [JSON.stringify({ ...valid, after: null }), /op c without after/],
  ])('refuses %s with a reason', async (value, reason) => {
    const error = await decoder.decode(msg(value), 'odoo.public.res_partner').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as Error).message).toMatch(reason);
  });
});
