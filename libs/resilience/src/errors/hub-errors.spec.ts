import { HubDatabaseError } from '@hub/runtime';
import { KafkaJSError } from 'kafkajs';
import { DatabaseError } from 'pg';
import { classifyError, PermanentError, PermanentErrorCode, TransientError } from './hub-errors';

describe('classifyError', () => {
  it('keeps a transient error with its delay hint', () => {
    const e = classifyError(new TransientError('HTTP_503', 'unavailable', { retryAfterMs: 1500 }));
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).retryAfterMs).toBe(1500);
  });

  it('keeps a permanent error with the vendor code', () => {
    const e = classifyError(
      new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, 'bad field', { vendorCode: 'INVALID_FIELD' }),
    );
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).vendorCode).toBe('INVALID_FIELD');
  });

  it('never retries a programmer error', () => {
    const e = classifyError(new TypeError("Cannot read properties of undefined (reading 'id')"));
    expect(e).toBeInstanceOf(PermanentError);
    expect((e as PermanentError).code).toBe('UNEXPECTED');
    expect(e.message).toContain('TypeError');
  });
});

describe('classifyError on the hub infrastructure', () => {
  const pgError = (code: string) =>
    new HubDatabaseError(Object.assign(new DatabaseError('boom', 0, 'error'), { code }));

  it.each(['3D000', '57P01', '08006', '40001', '53300'])('treats hub database SQLSTATE %s as transient', (code) => {
    expect(classifyError(pgError(code))).toBeInstanceOf(TransientError);
  });

  it('treats a hub database that refuses connections as transient', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyError(new HubDatabaseError(refused))).toMatchObject({ code: 'HUB_DATABASE_UNAVAILABLE' });
  });

  it('blames the record for a data exception', () => {
    expect(classifyError(pgError('22P02'))).toMatchObject({ code: 'INVALID_RECORD', vendorCode: 'SQLSTATE_22P02' });
  });

  it('follows kafkajs on whether a Kafka error is retriable', () => {
    expect(classifyError(new KafkaJSError('leader moved', { retriable: true }))).toBeInstanceOf(TransientError);
    expect(classifyError(new KafkaJSError('too large', { retriable: false }))).toBeInstanceOf(PermanentError);
    const gone = Object.assign(new Error('Connection error'), { name: 'KafkaJSConnectionError' });
    expect(classifyError(gone)).toMatchObject({ code: 'KAFKA_UNAVAILABLE' });
  });
});
