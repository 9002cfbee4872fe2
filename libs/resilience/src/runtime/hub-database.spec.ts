import { PermanentError, TransientError } from '../errors/hub-errors';
import { DatabaseError } from 'pg';
import { mapPgError } from './hub-database';

const pgError = (code: string) => Object.assign(new DatabaseError('boom', 0, 'error'), { code });

describe('mapPgError', () => {
  it.each(['3D000', '57P01', '08006', '40001', '53300'])('treats SQLSTATE %s as transient', (code) => {
    expect(mapPgError(pgError(code))).toBeInstanceOf(TransientError);
  });

  it('treats a connection refusal as transient', () => {
    expect(
      mapPgError(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' })),
    ).toBeInstanceOf(TransientError);
  });

  it('blames the record for a data exception', () => {
    expect(mapPgError(pgError('22P02'))).toBeInstanceOf(PermanentError);
  });
});
