import { parse } from 'csv-parse/sync';

import { CsvFormatError, IngestCsv, type CsvFormat } from './bulk-ingest-csv.parser';
import { formatBulkError, IngestResults } from './bulk-ingest.results';
import { SaveErrors } from './salesforce.errors';

const LF_COMMA: CsvFormat = { lineEnding: 'LF', columnDelimiter: 'COMMA' };
const join = (pieces: Iterable<string>) => [...pieces].join('');

describe('IngestCsv', () => {
  it('finds each record, quoted commas, quotes and line breaks included, and gives back its bytes', async () => {
    const data = Buffer.from('\ufeffName,Description\n"Acme, Inc.","say ""hi""\nthere"\n\nBeta,é€\nGamma,', 'utf8');
    const csv = await IngestCsv.scan(data, LF_COMMA);
    expect(csv.header).toEqual(['Name', 'Description']);
    expect(csv.rowCount).toBe(3);
    expect(csv.rows(0, 3)).toEqual([
      ['Acme, Inc.', 'say "hi"\nthere'],
      ['Beta', 'é€'],
      ['Gamma', ''],
    ]);
    expect(csv.rows(1, 2)).toEqual([['Beta', 'é€']]);
    expect(csv.rawHeader()).toBe('Name,Description');
    expect([0, 1, 2].map((i) => csv.rawRow(i))).toEqual(['"Acme, Inc.","say ""hi""\nthere"', 'Beta,é€', 'Gamma,']);
  });

  it('keeps record boundaries right across the megabyte slices it reads, multi-byte characters included', async () => {
    const lines = ['Name,Description'];
    for (let i = 0; i < 45_000; i++) lines.push(`"Name ${i}, €","line one\nline ${'é'.repeat(i % 13)} two"`);
    const data = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    expect(data.length).toBeGreaterThan(2 * 1024 * 1024);
    const csv = await IngestCsv.scan(data, LF_COMMA);
    const whole = (parse(data) as string[][]).slice(1);
    expect(csv.rowCount).toBe(45_000);
    expect(csv.rows(0, 45_000)).toEqual(whole);
    for (const i of [0, 9_999, 10_000, 23_456, 44_999]) {
      expect(parse(csv.rawRow(i))).toEqual([whole[i]]);
    }
  });

  it('reads the declared delimiter and CRLF line endings', async () => {
    const data = Buffer.from('Name|Note\r\n"a|b"|"x\r\ny"\r\nc|d\r\n');
    const csv = await IngestCsv.scan(data, { lineEnding: 'CRLF', columnDelimiter: 'PIPE' });
    expect(csv.rows(0, 2)).toEqual([
      ['a|b', 'x\r\ny'],
      ['c', 'd'],
    ]);
    expect(csv.rawRow(1)).toBe('c|d');
  });

  it('has no header and no rows for an empty upload', async () => {
    const csv = await IngestCsv.scan(Buffer.alloc(0), LF_COMMA);
    expect([csv.header, csv.rowCount, csv.rows(0, 10), csv.rawHeader()]).toEqual([[], 0, [], '']);
  });

  it("refuses data whose rows do not end as declared, with Salesforce's message", async () => {
    await expect(IngestCsv.scan(Buffer.from('Name\r\nA\r\n'), LF_COMMA)).rejects.toEqual(
      new CsvFormatError('ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF'),
    );
    await expect(
      IngestCsv.scan(Buffer.from('Name\nA\n'), { lineEnding: 'CRLF', columnDelimiter: 'COMMA' }),
    ).rejects.toThrow('Current LineEnding setting is CRLF');
  });

  it('refuses an unterminated quote and a row with a field count other than the header', async () => {
    await expect(IngestCsv.scan(Buffer.from('Name,Note\nA,"open\n'), LF_COMMA)).rejects.toThrow(
      /^ClientInputError : Quote Not Closed/,
    );
    await expect(IngestCsv.scan(Buffer.from('Name,Note\nA,b,c\n'), LF_COMMA)).rejects.toThrow(
      /^ClientInputError : Invalid Record Length: expect 2, got 3 on line 2/,
    );
  });
});

describe('IngestResults', () => {
  it("renders the three result CSVs, sf__ columns quoted in front of each row's uploaded bytes", async () => {
    const csv = await IngestCsv.scan(Buffer.from('Name,Note\nA,"x, ""y"""\nB,\nC,z\nD,w\n'), LF_COMMA);
    const results = new IngestResults(csv.rowCount);
    results.record(0, { ok: true, id: '001000000000001AAA', created: true });
    results.record(1, { ok: false, errors: [SaveErrors.requiredMissing(['Name'])] });
    results.record(2, { ok: true, id: '001000000000002AAA', created: false });
    expect([results.processed, results.failed]).toEqual([3, 1]);
    expect(join(results.successfulCsv(csv, LF_COMMA))).toBe(
      '"sf__Id","sf__Created",Name,Note\n' +
        '"001000000000001AAA","true",A,"x, ""y"""\n' +
        '"001000000000002AAA","false",C,z\n',
    );
    expect(join(results.failedCsv(csv, LF_COMMA))).toBe(
      '"sf__Id","sf__Error",Name,Note\n"","REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --",B,\n',
    );
    expect(join(results.unprocessedCsv(csv, LF_COMMA))).toBe('Name,Note\nD,w\n');
  });

  it('writes sf__Error as CODE:message:fields --', () => {
    expect(formatBulkError(SaveErrors.requiredMissing(['LastName', 'Company']))).toBe(
      'REQUIRED_FIELD_MISSING:Required fields are missing: [LastName, Company]:LastName Company --',
    );
    expect(formatBulkError(SaveErrors.duplicateExternalIdInRequest('k-1'))).toBe(
      'DUPLICATE_VALUE:Duplicate external id specified: k-1:--',
    );
  });
});
