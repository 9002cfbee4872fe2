import { parseBulkErrors, toBulkCsv } from './bulk-csv.mapper';
import { nextBulkPollMs } from './jsforce-salesforce.adapter';

describe('toBulkCsv', () => {
  it('writes every field any record has; a field a record lacks is empty, null and empty text are #N/A', () => {
    const csv = toBulkCsv([
      { Name: 'Acme', Odoo_Id__c: 'p-1', Website: null, Odoo_Active__c: true },
      { Name: '', Odoo_Id__c: 'p-2', Phone: '+32 2', NumberOfEmployees: 12.5 },
    ]);
    expect(csv).toBe(
      [
        'Name,Odoo_Id__c,Website,Odoo_Active__c,Phone,NumberOfEmployees',
        '"Acme","p-1",#N/A,true,,',
        '#N/A,"p-2",,,"+32 2",12.5',
        '',
      ].join('\n'),
    );
  });

  it('names a parent by external id as Relationship.Field, and quotes text that holds delimiters or quotes', () => {
    const csv = toBulkCsv([
      { LastName: 'Doe, "Jr"', Account: { Odoo_Id__c: 'odoo-partner-7' }, Odoo_Id__c: 'c-1' },
      { LastName: 'Line\nbreak', AccountId: null, Odoo_Id__c: 'c-2' },
    ]);
    expect(csv.split('\n')[0]).toBe('LastName,Account.Odoo_Id__c,Odoo_Id__c,AccountId');
    expect(csv).toContain('"Doe, ""Jr""","odoo-partner-7","c-1",\n');
    expect(csv).toContain('"Line\nbreak",,"c-2",#N/A\n');
  });

  it('refuses a value no field takes', () => {
    expect(() => toBulkCsv([{ Name: ['a'] }])).toThrow(TypeError);
    expect(() => toBulkCsv([{ Amount: Number.NaN }])).toThrow('Amount: NaN is no Bulk API value');
  });
});

describe('parseBulkErrors', () => {
  it("reads sf__Error as a collections result's errors: code, message with colons, fields", () => {
    expect(parseBulkErrors('REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --')).toEqual([
      { statusCode: 'REQUIRED_FIELD_MISSING', message: 'Required fields are missing: [Name]', fields: ['Name'] },
    ]);
    expect(
      parseBulkErrors(
        'INVALID_FIELD:Foreign key external ID: nobody not found for field Odoo_Id__c in entity Account:--',
      ),
    ).toEqual([
      {
        statusCode: 'INVALID_FIELD',
        message: 'Foreign key external ID: nobody not found for field Odoo_Id__c in entity Account',
        fields: [],
      },
    ]);
  });

  it('reads several errors of one row, and keeps text it cannot read whole', () => {
    expect(
      parseBulkErrors('STRING_TOO_LONG:too long:BillingCity --  INVALID_EMAIL_ADDRESS:bad: x:Email Phone --'),
    ).toEqual([
      { statusCode: 'STRING_TOO_LONG', message: 'too long', fields: ['BillingCity'] },
      { statusCode: 'INVALID_EMAIL_ADDRESS', message: 'bad: x', fields: ['Email', 'Phone'] },
    ]);
    expect(parseBulkErrors('something else')).toEqual([{ statusCode: 'UNKNOWN', message: 'something else' }]);
  });
});

describe('nextBulkPollMs', () => {
  const polling = { pollMs: 500, pollMaxMs: 10_000, timeoutMs: 600_000 };

  it('looks again when the rows left should be done at the pace so far', () => {
    expect(nextBulkPollMs(polling, { elapsedMs: 2_000, processed: 5_000, rows: 10_000, lastWaitMs: 500 })).toBe(2_200);
  });

  it('doubles its wait while nothing is processed, within pollMs and pollMaxMs', () => {
    expect(nextBulkPollMs(polling, { elapsedMs: 500, processed: 0, rows: 10_000, lastWaitMs: 500 })).toBe(1_000);
    expect(nextBulkPollMs(polling, { elapsedMs: 9_000, processed: 0, rows: 10_000, lastWaitMs: 8_000 })).toBe(10_000);
    expect(nextBulkPollMs(polling, { elapsedMs: 2_000, processed: 9_990, rows: 10_000, lastWaitMs: 500 })).toBe(500);
  });
});
