import { AuditQueryError, parseAuditQuery } from './audit-query';

const refused = (raw: Record<string, unknown>) => {
  try {
    parseAuditQuery(raw);
  } catch (error) {
    if (error instanceof AuditQueryError) return { parameter: error.parameter, message: error.message };
    throw error;
  }
  throw new Error('accepted');
};

describe('parseAuditQuery', () => {
  it('takes a record id with the default page', () => {
    expect(parseAuditQuery({ recordId: ' 801000000000001AAA ' })).toEqual({
      recordId: '801000000000001AAA',
      limit: 100,
    });
  });

  it('takes a time range, a page size and a cursor', () => {
    expect(parseAuditQuery({ from: '2026-01-01', to: '2026-01-02T10:00:00Z', limit: '20', after: '41' })).toEqual({
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-01-02T10:00:00Z'),
      limit: 20,
      after: '41',
    });
  });

  it('refuses a query that names nothing', () => {
    expect(refused({})).toEqual({ parameter: 'recordId', message: expect.stringMatching(/recordId, canonicalId/) });
    expect(refused({ limit: '5' }).parameter).toBe('recordId');
  });

  it('names a bad parameter', () => {
    expect(refused({ recordId: 'x', limit: '0' })).toEqual({
      parameter: 'limit',
      message: expect.stringMatching(/^limit must/),
    });
    expect(refused({ recordId: 'x', limit: '501' }).parameter).toBe('limit');
    expect(refused({ recordId: 'x', limit: 'ten' }).parameter).toBe('limit');
    expect(refused({ from: 'yesterday' })).toEqual({
      parameter: 'from',
      message: expect.stringMatching(/^from must be an ISO 8601/),
    });
    expect(refused({ to: '2026-13-45' }).parameter).toBe('to');
    expect(refused({ recordId: 'x', after: '-1' }).parameter).toBe('after');
    expect(refused({ recordId: '' }).parameter).toBe('recordId');
    expect(refused({ canonicalId: ['a', 'b'] })).toEqual({
      parameter: 'canonicalId',
      message: 'canonicalId must be given once',
    });
  });

  it('refuses an unknown parameter by name, so a typo never widens a query', () => {
    expect(refused({ recordID: 'x' })).toEqual({
      parameter: 'recordID',
      message: expect.stringMatching(/unknown parameter recordID/),
    });
  });

  it('refuses a range that ends before it starts', () => {
    expect(refused({ from: '2026-02-01', to: '2026-01-01' }).parameter).toBe('from');
  });
});
