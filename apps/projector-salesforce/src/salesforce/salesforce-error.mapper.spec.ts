import { PermanentError, TransientError } from '@hub/resilience';
import { becauseOf, mapCallError, mapRecordError, SalesforceCredentialsError } from './salesforce-error.mapper';

describe('mapRecordError', () => {
  it('retries a row lock', () => {
    const e = mapRecordError([
      {
        statusCode: 'UNABLE_TO_LOCK_ROW',
        message: 'unable to obtain exclusive access to this record or 1 records: 001',
      },
    ]);
    expect(e).toBeInstanceOf(TransientError);
  });

  it('dead-letters a field error with the vendor code and body', () => {
    const body = [
      { statusCode: 'INVALID_FIELD', message: "No such column 'Foo__c' on sobject of type Account", fields: [] },
    ];
    const e = mapRecordError(body) as PermanentError;
    expect(e).toBeInstanceOf(PermanentError);
    expect(e.vendorCode).toBe('INVALID_FIELD');
    expect(e.detail).toEqual(body);
  });

  it('waits for a parent that has not arrived yet', () => {
    const e = mapRecordError([
      {
        statusCode: 'INVALID_FIELD',
        message: 'Foreign key external ID: odoo-partner-7 not found for field Odoo_Id__c in entity Account',
      },
    ]);
    expect(e).toBeInstanceOf(TransientError);
    expect((e as TransientError).code).toBe('PARENT_NOT_FOUND_YET');
  });
});

describe('mapCallError', () => {
  const httpError = (errorCode: string, message = 'x') =>
    Object.assign(new Error(message), { name: errorCode, errorCode });

  it.each([
    ['ERROR_HTTP_503', TransientError],
    ['ERROR_HTTP_502', TransientError],
    ['SERVER_UNAVAILABLE', TransientError],
    ['REQUEST_LIMIT_EXCEEDED', TransientError],
    ['ERROR_HTTP_400', PermanentError],
    ['MALFORMED_QUERY', PermanentError],
  ])('%s', (code, kind) => {
    expect(mapCallError(httpError(code))).toBeInstanceOf(kind);
  });

  it('asks for a long pause on the org API limit', () => {
    expect((mapCallError(httpError('REQUEST_LIMIT_EXCEEDED')) as TransientError).retryAfterMs).toBeGreaterThanOrEqual(
      60_000,
    );
  });

  it('retries a connection reset', () => {
    const e = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
    expect(mapCallError(e)).toBeInstanceOf(TransientError);
    expect(mapCallError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBeInstanceOf(
      TransientError,
    );
  });

  it('does not retry a programmer error', () => {
    expect(mapCallError(new TypeError("Cannot read properties of undefined (reading 'map')"))).toBeInstanceOf(
      PermanentError,
    );
  });
});

describe('becauseOf', () => {
  it("reads what a refused record means to the engine from Salesforce's code", () => {
    expect(
      becauseOf(
        mapRecordError([{ statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]' }]),
      ),
    ).toBe('not-found');
    expect(
      becauseOf(
        mapRecordError([
          { statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', message: 'Unable to create/update fields: Pricebook2Id' },
        ]),
      ),
    ).toBe('exists');
    expect(becauseOf(mapRecordError([{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]))).toBe(
      'not-found',
    );
    expect(becauseOf(mapRecordError([{ statusCode: 'STRING_TOO_LONG', message: 'too long' }]))).toBeUndefined();
    expect(becauseOf(mapRecordError([{ statusCode: 'UNABLE_TO_LOCK_ROW', message: 'locked' }]))).toBeUndefined();
  });

  it('tells an update by Id naming a record the org never had from one a person deleted', () => {
    const unknown = mapRecordError([
      { statusCode: 'INVALID_CROSS_REFERENCE_KEY', message: 'invalid cross reference id', fields: ['Id'] },
    ]);
    expect(becauseOf(unknown, 'update')).toBe('unknown-link');
    // On an upsert the same code is about a lookup field: nothing the engine can act on.
    expect(becauseOf(unknown, 'upsert')).toBeUndefined();
    const deleted = mapRecordError([{ statusCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]);
    expect(becauseOf(deleted, 'update')).toBe('not-found');
  });
});

describe('mapCallError on a refused token request', () => {
  /** What jsforce throws for a token endpoint's 400: an Error named after the OAuth `error`. */
  const oauthError = (error: string, description: string) => Object.assign(new Error(description), { name: error });

  it.each([
    ['invalid_client', 'invalid client credentials', 'SF_CLIENT_SECRET'],
    ['invalid_client_id', 'client identifier invalid', 'SF_CLIENT_ID'],
    [
      'invalid_grant',
      'no client credentials user enabled',
      "the connected app's client credentials flow (its run-as user)",
    ],
  ])(
    'makes %s a configuration error naming what to fix, which pauses and is never dead-lettered',
    (name, text, fix) => {
      const e = mapCallError(oauthError(name, text));
      expect(e).toBeInstanceOf(SalesforceCredentialsError);
      expect(e).toMatchObject({ code: 'SALESFORCE_CREDENTIALS_REFUSED', targetUnavailable: true, setting: fix });
      expect(e.message).toBe(`Salesforce refused the hub's credentials (${name}: ${text}): check ${fix}`);
    },
  );

  it('leaves other lower-case failures as they were', () => {
    expect(mapCallError(oauthError('server_error', 'boom'))).toMatchObject({ code: 'UNKNOWN_CALL_FAILURE' });
  });
});
