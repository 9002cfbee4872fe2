import { DatabaseError } from 'pg';
import { HubDatabaseError } from './hub-database';

const pgError = (code: string) => Object.assign(new DatabaseError('boom', 0, 'error'), { code });

describe('HubDatabaseError', () => {
  it('keeps the SQLSTATE of a server answer and tells a data exception apart', () => {
    expect(new HubDatabaseError(pgError('22P02'))).toMatchObject({ sqlState: '22P02', isDataException: true });
    expect(new HubDatabaseError(pgError('40001'))).toMatchObject({ sqlState: '40001', isDataException: false });
  });

  it('has no SQLSTATE when the server was not reached', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(new HubDatabaseError(refused)).toMatchObject({ sqlState: undefined, isDataException: false });
  });
});
