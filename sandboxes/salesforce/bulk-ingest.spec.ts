/**
 * Bulk API 2.0 ingest jobs driven as a production client drives them: through jsforce's bulk2 API
 * (`loadAndWaitForResults` and the IngestJobV2 methods), and through raw HTTP where status codes and error bodies
 * matter (jsforce hides them).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Connection } from 'jsforce';

import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import { SandboxClient } from './sandbox.client';
import { admin, connect, dump, fetchToken, raw, VERSION, type RawResponse } from './sandbox.test-client';

const JOBS = `/services/data/v${VERSION}/jobs/ingest`;
const UPSERT_ACCOUNTS = { object: 'Account', operation: 'upsert', externalIdFieldName: 'Odoo_Id__c' } as const;

/** `Name,Odoo_Id__c,BillingCity` rows for accounts `from` to `to - 1`. */
function accountsCsv(from: number, to: number, name: (i: number) => string = (i) => `Account ${i}`): string {
  const lines = ['Name,Odoo_Id__c,BillingCity'];
  for (let i = from; i < to; i++) lines.push(`${name(i)},acc-${i},City ${i % 7}`);
  return `${lines.join('\n')}\n`;
}

/** A column of a result row as jsforce parses it (all text). */
function column(row: object, name: string): string | undefined {
  return (row as Record<string, string | undefined>)[name];
}

interface JobInfo {
  id: string;
  state: string;
  numberRecordsProcessed: number;
  numberRecordsFailed: number;
  errorMessage?: string;
  [key: string]: unknown;
}

describe('Bulk API 2.0 ingest jobs', () => {
  // Jobs of thousands of rows: each row goes through the DML and Change Data Capture.
  jest.setTimeout(60_000);
  let sandbox: SalesforceSandbox;
  let client: SandboxClient;
  let conn: Connection;
  let token: string;

  const call = (method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}) =>
    raw(sandbox, method, `${JOBS}${path}`, { token, ...options });
  const uploadCsv = (id: string, csv: string) =>
    call('PUT', `/${id}/batches`, { body: csv, headers: { 'Content-Type': 'text/csv' } });
  const createJob = async (body: Record<string, unknown>) => {
    const res = await call('POST', '', { body });
    expect(res.status).toBe(200);
    return res.body as JobInfo;
  };
  /** Polls Get Job Info until the job reaches one of `states`; returns the info and how many calls it took. */
  const waitFor = async (id: string, states: string[]): Promise<{ info: JobInfo; polls: number }> => {
    for (let polls = 1; polls <= 2000; polls++) {
      const info = (await call('GET', `/${id}`)).body as JobInfo;
      if (states.includes(info.state)) return { info, polls };
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`job ${id} never reached ${states.join('/')}`);
  };
  /** A job created, loaded and closed over raw HTTP, waited for until it is finished. */
  const runJob = async (body: Record<string, unknown>, csv: string) => {
    const job = await createJob(body);
    expect((await uploadCsv(job.id, csv)).status).toBe(201);
    expect((await call('PATCH', `/${job.id}`, { body: { state: 'UploadComplete' } })).status).toBe(200);
    return (await waitFor(job.id, ['JobComplete', 'Failed', 'Aborted'])).info;
  };
  const resultsCsv = async (id: string, kind: string) => {
    const res = await call('GET', `/${id}/${kind}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv');
    return res.body as string;
  };

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null });
    client = new SandboxClient(sandbox.url);
  });

  afterAll(async () => {
    await sandbox.close();
  });

  beforeEach(async () => {
    await client.reset();
    conn = await connect(sandbox);
    conn.bulk2.pollInterval = 20;
    conn.bulk2.pollTimeout = 60_000;
    token = await fetchToken(sandbox);
  });

  describe('through jsforce', () => {
    it('upserts thousands of rows by external id: created, then updated in place (sf__Created true, then false)', async () => {
      const created = await conn.bulk2.loadAndWaitForResults({ ...UPSERT_ACCOUNTS, input: accountsCsv(0, 3000) });
      expect(created.successfulResults).toHaveLength(3000);
      expect(created.failedResults).toEqual([]);
      expect(created.unprocessedRecords).toEqual([]);
      expect(created.successfulResults.every((r) => r.sf__Created === 'true')).toBe(true);
      expect(created.successfulResults[41]).toEqual({
        sf__Id: expect.stringMatching(/^001[A-Za-z0-9]{15}$/),
        sf__Created: 'true',
        Name: 'Account 41',
        Odoo_Id__c: 'acc-41',
        BillingCity: 'City 6',
      });
      const idByKey = new Map(created.successfulResults.map((r) => [column(r, 'Odoo_Id__c'), r.sf__Id]));
      expect(new Set(idByKey.values()).size).toBe(3000);

      const job = conn.bulk2.createJob(UPSERT_ACCOUNTS);
      await job.open();
      await job.uploadData(accountsCsv(0, 3000, (i) => `Renamed ${i}`));
      await job.close();
      await job.poll(20, 60_000);
      expect(await job.check()).toMatchObject({
        id: job.id,
        object: 'Account',
        operation: 'upsert',
        externalIdFieldName: 'Odoo_Id__c',
        state: 'JobComplete',
        jobType: 'V2Ingest',
        apiVersion: 62,
        numberRecordsProcessed: 3000,
        numberRecordsFailed: 0,
        retries: 0,
        apexProcessingTime: 0,
      });
      const updated = await job.getAllResults();
      expect(updated.successfulResults).toHaveLength(3000);
      expect(
        updated.successfulResults.every(
          (r) => r.sf__Created === 'false' && r.sf__Id === idByKey.get(column(r, 'Odoo_Id__c')),
        ),
      ).toBe(true);

      const rows = await dump(sandbox, 'Account');
      expect(rows).toHaveLength(3000);
      expect(rows.find((r) => r['Odoo_Id__c'] === 'acc-2999')).toMatchObject({
        Id: idByKey.get('acc-2999'),
        Name: 'Renamed 2999',
        BillingCity: 'City 3',
      });
    });

    it('fails a row missing a required field or holding a bad value, with its reason, and writes the others', async () => {
      const tooLong = 'N'.repeat(41);
      const csv = [
        'Name,AccountNumber,Odoo_Active__c,Website',
        'Good One,A-1,true,https://one.example',
        ',A-2,false,',
        'Bad Flag,A-3,maybe,',
        `Too Long,${tooLong},,`,
        '"Good, Two",A-5,1,#N/A',
      ].join('\n');
      const { successfulResults, failedResults, unprocessedRecords } = await conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'insert',
        input: csv,
      });

      expect(successfulResults.map((r) => [column(r, 'Name'), r.sf__Created])).toEqual([
        ['Good One', 'true'],
        ['Good, Two', 'true'],
      ]);
      expect(failedResults).toEqual([
        {
          sf__Id: '',
          sf__Error: 'REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --',
          Name: '',
          AccountNumber: 'A-2',
          Odoo_Active__c: 'false',
          Website: '',
        },
        {
          sf__Id: '',
          sf__Error:
            'INVALID_TYPE_ON_FIELD_IN_RECORD:Active in Odoo: value not of required type: maybe:Odoo_Active__c --',
          Name: 'Bad Flag',
          AccountNumber: 'A-3',
          Odoo_Active__c: 'maybe',
          Website: '',
        },
        {
          sf__Id: '',
          sf__Error: `STRING_TOO_LONG:Account Number: data value too large: ${tooLong} (max length=40):AccountNumber --`,
          Name: 'Too Long',
          AccountNumber: tooLong,
          Odoo_Active__c: '',
          Website: '',
        },
      ]);
      expect(unprocessedRecords).toEqual([]);
      const rows = await dump(sandbox, 'Account');
      expect(rows).toHaveLength(2);
      // `1` is true; `#N/A` is null; an empty value is not set.
      expect(rows.find((r) => r['Name'] === 'Good, Two')).toMatchObject({ Odoo_Active__c: true, Website: null });
      expect(rows.find((r) => r['Name'] === 'Good One')).toMatchObject({ Website: 'https://one.example' });
    });

    it('writes as sObject Collections upsert does: parents by external id, order rules, duplicate keys', async () => {
      await admin(sandbox, 'POST', '/records/Account', [{ Name: 'Parent', Odoo_Id__c: 'p-1' }]);
      const [parent] = await dump(sandbox, 'Account');
      const csv = [
        'Odoo_Id__c,Account.Odoo_Id__c,EffectiveDate,Status',
        'o-1,p-1,2024-05-01,Draft',
        'o-2,p-1,2024-05-01,Activated',
        'o-3,nobody,2024-05-01,Draft',
        'o-4,p-1,2024-05-01,Draft',
        'O-5,p-1,2024-05-02,Draft',
        'o-4,p-1,2024-05-03,Draft',
      ].join('\n');
      const bulk = await conn.bulk2.loadAndWaitForResults({
        object: 'Order',
        operation: 'upsert',
        externalIdFieldName: 'Odoo_Id__c',
        input: csv,
      });
      expect(bulk.successfulResults.map((r) => column(r, 'Odoo_Id__c'))).toEqual(['o-1', 'O-5']);
      expect(bulk.failedResults.map((r) => [column(r, 'Odoo_Id__c'), r.sf__Error])).toEqual([
        [
          'o-2',
          'FAILED_ACTIVATION:Choose a valid order status and save your changes. For a new or cloned order, choose Draft.:Status --',
        ],
        ['o-3', 'INVALID_FIELD:Foreign key external ID: nobody not found for field Odoo_Id__c in entity Account:--'],
        ['o-4', 'DUPLICATE_VALUE:Duplicate external id specified: o-4:--'],
        ['o-4', 'DUPLICATE_VALUE:Duplicate external id specified: o-4:--'],
      ]);
      const orders = await dump(sandbox, 'Order');
      expect(orders.map((o) => [o['Odoo_Id__c'], o['AccountId'], o['Status']])).toEqual([
        ['o-1', parent?.['Id'], 'Draft'],
        ['O-5', parent?.['Id'], 'Draft'],
      ]);

      // The same records through sObject Collections upsert refuse with the same codes and messages.
      const rest = await conn.requestPatch<{ success: boolean; errors: { statusCode: string; message: string }[] }[]>(
        `/services/data/v${VERSION}/composite/sobjects/Order/Odoo_Id__c`,
        {
          allOrNone: false,
          records: [
            {
              attributes: { type: 'Order' },
              Odoo_Id__c: 'c-2',
              Account: { Odoo_Id__c: 'p-1' },
              EffectiveDate: '2024-05-01',
              Status: 'Activated',
            },
            {
              attributes: { type: 'Order' },
              Odoo_Id__c: 'c-3',
              Account: { Odoo_Id__c: 'nobody' },
              EffectiveDate: '2024-05-01',
              Status: 'Draft',
            },
          ],
        },
      );
      expect(rest.map((r) => `${r.errors[0]?.statusCode}:${r.errors[0]?.message}`)).toEqual(
        bulk.failedResults.slice(0, 2).map((r) => r.sf__Error.replace(/:[^:]*--$/, '')),
      );
    });

    it('emits one change event per row written, in transactions of 200, with the Bulk API as origin', async () => {
      const bulkConn = new Connection({
        instanceUrl: sandbox.url,
        accessToken: token,
        version: VERSION,
        callOptions: { client: 'hub-bulk' },
      });
      bulkConn.bulk2.pollInterval = 20;
      const csv = accountsCsv(0, 451).replace('Account 17,', ',');
      const { successfulResults, failedResults } = await bulkConn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'insert',
        input: csv,
      });
      expect([successfulResults.length, failedResults.length]).toEqual([450, 1]);

      const events = await client.changeEvents('/data/AccountChangeEvent');
      expect(events).toHaveLength(450);
      expect(new Set(events.map((e) => e.header['changeOrigin']))).toEqual(
        new Set([`com/salesforce/api/bulkapi/${VERSION};client=hub-bulk`]),
      );
      expect(new Set(events.map((e) => e.header['commitUser']))).toEqual(new Set([sandbox.state.identity.userId]));
      expect(events.map((e) => e.header.recordIds[0])).toEqual(successfulResults.map((r) => r.sf__Id));
      const byTransaction = new Map<unknown, number>();
      for (const e of events)
        byTransaction.set(e.header['transactionKey'], (byTransaction.get(e.header['transactionKey']) ?? 0) + 1);
      // Rows 0–199 (one of them failed), 200–399, 400–450.
      expect([...byTransaction.values()]).toEqual([199, 200, 51]);
    });

    it('updates and deletes by Id, with Salesforce per-row errors for bad Ids', async () => {
      const created = await conn.bulk2.loadAndWaitForResults({ ...UPSERT_ACCOUNTS, input: accountsCsv(0, 3) });
      const [a, b, c] = created.successfulResults.map((r) => r.sf__Id);
      const updated = await conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'update',
        input: [
          { Id: a, Name: 'A renamed' },
          { Id: '', Name: 'no id' },
          { Id: '003000000000000AAA', Name: 'a contact id' },
        ],
      });
      expect(updated.successfulResults.map((r) => [r.sf__Id, r.sf__Created])).toEqual([[a, 'false']]);
      expect(updated.failedResults.map((r) => r.sf__Error)).toEqual([
        'MISSING_ARGUMENT:Id not specified in an update call:--',
        'MALFORMED_ID:Account ID: id value of incorrect type: 003000000000000AAA:Id --',
      ]);
      const deleted = await conn.bulk2.loadAndWaitForResults({
        object: 'Account',
        operation: 'delete',
        input: [{ Id: b }, { Id: c }, { Id: c }],
      });
      expect(deleted.successfulResults.map((r) => r.sf__Id)).toEqual([b, c]);
      expect(deleted.failedResults.map((r) => r.sf__Error)).toEqual(['ENTITY_IS_DELETED:entity is deleted:--']);
      const live = (await dump(sandbox, 'Account')).filter((r) => r['IsDeleted'] !== true);
      expect(live.map((r) => r['Name'])).toEqual(['A renamed']);
    });

    it('completes a job with no rows, as Salesforce does for an empty upload', async () => {
      const results = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: [] });
      expect(results).toEqual({ successfulResults: [], failedResults: [], unprocessedRecords: [] });
    });
  });

  describe('job states', () => {
    it('moves Open → UploadComplete → InProgress → JobComplete and refuses what each state does not allow', async () => {
      const job = await createJob({ object: 'Account', operation: 'insert', lineEnding: 'LF' });
      expect(job).toEqual({
        id: expect.stringMatching(/^750[A-Za-z0-9]{15}$/),
        operation: 'insert',
        object: 'Account',
        createdById: sandbox.state.identity.userId,
        createdDate: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/),
        systemModstamp: expect.any(String),
        state: 'Open',
        concurrencyMode: 'Parallel',
        contentType: 'CSV',
        apiVersion: 62,
        contentUrl: `services/data/v${VERSION}/jobs/ingest/${job.id}/batches`,
        lineEnding: 'LF',
        columnDelimiter: 'COMMA',
      });
      const refused = (res: RawResponse, status: number, errorCode: string) => {
        expect(res.status).toBe(status);
        expect(res.body).toEqual([{ errorCode, message: expect.any(String) }]);
      };
      refused(await call('PATCH', `/${job.id}`, { body: { state: 'JobComplete' } }), 400, 'INVALIDJOBSTATE');
      refused(await call('PATCH', `/${job.id}`, { body: { state: 'Closed' } }), 400, 'JSON_PARSER_ERROR');
      refused(await call('DELETE', `/${job.id}`), 400, 'INVALIDJOBSTATE');
      refused(
        await call('PUT', `/${job.id}/batches`, { body: 'Name\nx\n', headers: { 'Content-Type': 'application/json' } }),
        400,
        'INVALIDCONTENTTYPE',
      );

      expect(await uploadCsv(job.id, 'Name\nFirst\nSecond\n')).toMatchObject({ status: 201, body: '' });
      const again = await uploadCsv(job.id, 'Name\nThird\n');
      expect(again.status).toBe(400);
      expect(again.body).toEqual([
        {
          errorCode: 'INVALIDJOB',
          message: `Found multiple contents for job: <${job.id}>, please 'Close' / 'Abort' / 'Delete' the current Job then create a new Job and make sure the content is not duplicated`,
        },
      ]);

      const closed = await call('PATCH', `/${job.id}`, { body: { state: 'UploadComplete' } });
      expect(closed.status).toBe(200);
      expect(closed.body).toMatchObject({ id: job.id, state: 'UploadComplete' });
      refused(await uploadCsv(job.id, 'Name\nLate\n'), 400, 'INVALIDJOBSTATE');
      refused(await call('PATCH', `/${job.id}`, { body: { state: 'UploadComplete' } }), 400, 'INVALIDJOBSTATE');

      const { info } = await waitFor(job.id, ['JobComplete']);
      expect(info).toMatchObject({ numberRecordsProcessed: 2, numberRecordsFailed: 0, retries: 0 });
      expect(info.errorMessage).toBeUndefined();
      refused(await call('PATCH', `/${job.id}`, { body: { state: 'Aborted' } }), 400, 'INVALIDJOBSTATE');
      expect((await dump(sandbox, 'Account')).map((r) => r['Name'])).toEqual(['First', 'Second']);

      const listed = await call('GET', '');
      expect(listed.body).toEqual({
        done: true,
        records: [expect.objectContaining({ id: job.id, state: 'JobComplete', jobType: 'V2Ingest' })],
        nextRecordsUrl: null,
      });
      expect((await call('GET', '?jobType=Classic')).body).toMatchObject({ done: true, records: [] });

      expect((await call('DELETE', `/${job.id}`)).status).toBe(204);
      const gone = await call('GET', `/${job.id}`);
      expect(gone.status).toBe(404);
      expect(gone.body).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    });

    it('aborts an open job: nothing is written and its data is returned as unprocessed', async () => {
      const job = await createJob({ object: 'Account', operation: 'insert' });
      await uploadCsv(job.id, 'Name\nNever\n');
      const aborted = await call('PATCH', `/${job.id}`, { body: { state: 'Aborted' } });
      expect(aborted.body).toMatchObject({ state: 'Aborted' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect((await call('GET', `/${job.id}`)).body).toMatchObject({ state: 'Aborted', numberRecordsProcessed: 0 });
      expect(await resultsCsv(job.id, 'unprocessedrecords')).toBe('Name\nNever\n');
      expect(await dump(sandbox, 'Account')).toEqual([]);
      expect((await call('DELETE', `/${job.id}`)).status).toBe(204);
    });

    it('aborts a job in progress: the batches already written stay, the rest is unprocessed', async () => {
      const total = 30_000;
      const job = await createJob({ object: 'Account', operation: 'insert' });
      await uploadCsv(job.id, accountsCsv(0, total));
      await call('PATCH', `/${job.id}`, { body: { state: 'UploadComplete' } });
      const aborted = await call('PATCH', `/${job.id}`, { body: { state: 'Aborted' } });
      expect(aborted.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const info = (await call('GET', `/${job.id}`)).body as JobInfo;
      expect(info.state).toBe('Aborted');
      expect(info.numberRecordsProcessed % 10_000).toBe(0);
      expect(info.numberRecordsProcessed).toBeLessThan(total);
      const unprocessed = (await resultsCsv(job.id, 'unprocessedrecords')).trimEnd().split('\n');
      expect(unprocessed[0]).toBe('Name,Odoo_Id__c,BillingCity');
      expect(unprocessed.length - 1).toBe(total - info.numberRecordsProcessed);
      expect(await dump(sandbox, 'Account')).toHaveLength(info.numberRecordsProcessed);
    });

    it('refuses job requests Salesforce refuses, with its error bodies', async () => {
      const expectError = async (body: Record<string, unknown>, errorCode: string, message: string | RegExp) => {
        const res = await call('POST', '', { body });
        expect(res.status).toBe(400);
        expect(res.body).toEqual([
          { errorCode, message: typeof message === 'string' ? message : expect.stringMatching(message) },
        ]);
      };
      await expectError({ object: 'Nope__c', operation: 'insert' }, 'INVALIDJOB', 'Unable to find object: Nope__c');
      await expectError(
        { object: 'Account', operation: 'upsert' },
        'INVALIDJOB',
        'External ID was blank for Account. An External ID must be specified for upsert.',
      );
      await expectError(
        { object: 'Account', operation: 'upsert', externalIdFieldName: 'Name' },
        'INVALIDJOB',
        'Field name provided, Name does not match an External ID, Salesforce Id, or indexed field for Account',
      );
      await expectError(
        { object: 'Account', operation: 'merge' },
        'JSON_PARSER_ERROR',
        /OperationEnum from String "merge"/,
      );
      await expectError(
        { object: 'Account', operation: 'insert', lineEnding: 'CR' },
        'JSON_PARSER_ERROR',
        /LineEndingEnum/,
      );
      await expectError(
        { object: 'Account', operation: 'insert', contentType: 'JSON' },
        'JSON_PARSER_ERROR',
        /ContentType/,
      );
      await expectError({ object: 'Account', operation: 'hardDelete' }, 'INVALIDJOB', /hardDelete operation requires/);
      await expectError(
        { object: 'Account', operation: 'insert', batchSize: 5 },
        'JSON_PARSER_ERROR',
        /Unrecognized field "batchSize"/,
      );
      await expectError({ operation: 'insert' }, 'INVALIDJOB', /'object'/);

      const missing = await call('GET', '/750000000000000AAA');
      expect(missing.status).toBe(404);
      const wrongMethod = await call('PUT', '');
      expect(wrongMethod.status).toBe(405);
      const anonymous = await raw(sandbox, 'POST', JOBS, { body: { object: 'Account', operation: 'insert' } });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    });

    it('refuses an upload over 150 MB of base64 content, and the job stays open for a proper one', async () => {
      const job = await createJob({ object: 'Account', operation: 'insert' });
      const limit = sandbox.state.bulk.maxUploadBytes;
      expect(limit).toBe(117_964_800); // 150 MiB once base64-encoded
      const piece = Buffer.from(`${'x'.repeat(65_535)}\n`);
      let sent = 0;
      // Streamed, so the test never holds the 113 MB it sends.
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (sent > limit) return controller.close();
          controller.enqueue(sent === 0 ? Buffer.from('Name\n') : piece);
          sent += sent === 0 ? 5 : piece.length;
        },
      });
      const res = await fetch(`${sandbox.url}${JOBS}/${job.id}/batches`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual([
        {
          errorCode: 'INVALIDBATCH',
          message: 'Job data exceeds the maximum size of 157286400 bytes of base64-encoded content',
        },
      ]);
      expect((await uploadCsv(job.id, 'Name\nSmall\n')).status).toBe(201);
    });
  });

  describe('job data', () => {
    it('reads the delimiter and line ending the job declares, and answers results in them', async () => {
      const csv = 'Name;Description\r\n"Semi; colon";"two\r\nlines"\r\nPlain;\r\n';
      const info = await runJob(
        { object: 'Account', operation: 'insert', columnDelimiter: 'SEMICOLON', lineEnding: 'CRLF' },
        csv,
      );
      expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 2, columnDelimiter: 'SEMICOLON' });
      const rows = await dump(sandbox, 'Account');
      expect(rows.map((r) => [r['Name'], r['Description']])).toEqual([
        ['Semi; colon', 'two\r\nlines'],
        ['Plain', null],
      ]);
      const ok = await resultsCsv(info.id, 'successfulResults');
      expect(ok).toBe(
        `"sf__Id";"sf__Created";Name;Description\r\n` +
          `"${String(rows[0]?.['Id'])}";"true";"Semi; colon";"two\r\nlines"\r\n` +
          `"${String(rows[1]?.['Id'])}";"true";Plain;\r\n`,
      );
      expect(await resultsCsv(info.id, 'failedResults')).toBe('"sf__Id";"sf__Error";Name;Description\r\n');
      expect(await resultsCsv(info.id, 'unprocessedrecords')).toBe('Name;Description\r\n');
    });

    it('fails the job when its rows do not end as declared', async () => {
      const info = await runJob({ object: 'Account', operation: 'insert' }, 'Name\r\nA\r\n');
      expect(info).toMatchObject({
        state: 'Failed',
        numberRecordsProcessed: 0,
        errorMessage: 'ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is LF',
      });
      expect(await resultsCsv(info.id, 'unprocessedrecords')).toBe('Name\r\nA\r\n');
    });

    it('fails the job on a column that names no field, leaving every row unprocessed', async () => {
      const info = await runJob({ object: 'Account', operation: 'insert' }, 'Name,Nope__c\nA,1\nB,2\n');
      expect(info).toMatchObject({
        state: 'Failed',
        numberRecordsProcessed: 0,
        errorMessage: 'InvalidBatch : Field name not found : Nope__c',
      });
      expect(await resultsCsv(info.id, 'unprocessedrecords')).toBe('Name,Nope__c\nA,1\nB,2\n');
      expect(await dump(sandbox, 'Account')).toEqual([]);
    });

    it('fails the job on malformed CSV', async () => {
      const info = await runJob({ object: 'Account', operation: 'insert' }, 'Name,Description\nA,"open\n');
      expect(info.state).toBe('Failed');
      expect(info.errorMessage).toMatch(/^ClientInputError : Quote Not Closed/);
    });
  });

  describe('injected whole-job failure', () => {
    it('fails the next job as a whole: state Failed, nothing written, every row unprocessed', async () => {
      await client.failNextBulkJobs(1);
      const job = conn.bulk2.createJob(UPSERT_ACCOUNTS);
      await job.open();
      await job.uploadData(accountsCsv(0, 25));
      await job.close();
      await expect(job.poll(20, 10_000)).rejects.toThrow(
        'Ingest job failed to complete due to: InternalServerError : An internal server error occurred while processing the job',
      );
      expect(await job.check()).toMatchObject({
        state: 'Failed',
        errorMessage: 'InternalServerError : An internal server error occurred while processing the job',
        numberRecordsProcessed: 0,
        numberRecordsFailed: 0,
      });
      const { successfulResults, failedResults, unprocessedRecords } = await job.getAllResults();
      expect(successfulResults).toEqual([]);
      expect(failedResults).toEqual([]);
      expect(unprocessedRecords).toHaveLength(25);
      expect(unprocessedRecords[0]).toEqual({ Name: 'Account 0', Odoo_Id__c: 'acc-0', BillingCity: 'City 0' });
      expect(await dump(sandbox, 'Account')).toEqual([]);
      expect(await client.changeEvents()).toEqual([]);
      expect(await client.stats()).toMatchObject({ faultsInjected: { bulkJobFailed: 1 } });

      // Only the next job: the one after goes through.
      const next = await conn.bulk2.loadAndWaitForResults({ ...UPSERT_ACCOUNTS, input: accountsCsv(0, 25) });
      expect(next.successfulResults).toHaveLength(25);
    });

    it('fails the next N jobs with the message asked for, leaving other faults alone', async () => {
      await client.setFaults({ latencyMs: 1, seed: 9 });
      await client.failNextBulkJobs(2, { errorMessage: 'InternalServerError : java.lang.NullPointerException' });
      expect((await admin(sandbox, 'GET', '/faults')).body).toMatchObject({
        latencyMs: 1,
        seed: 9,
        bulkJobFailures: 2,
      });
      for (let i = 0; i < 2; i++) {
        await expect(
          conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name\nX\n' }),
        ).rejects.toThrow('Ingest job failed to complete due to: InternalServerError : java.lang.NullPointerException');
      }
      expect((await admin(sandbox, 'GET', '/faults')).body).toMatchObject({ latencyMs: 1, bulkJobFailures: 0 });
      const ok = await conn.bulk2.loadAndWaitForResults({ object: 'Account', operation: 'insert', input: 'Name\nX\n' });
      expect(ok.successfulResults).toHaveLength(1);
      const bad = await admin(sandbox, 'POST', '/faults/bulk-jobs', { count: -1 });
      expect(bad.status).toBe(400);
    });
  });

  describe('API usage', () => {
    it('counts every Bulk API request as one API call, named by resource', async () => {
      const job = await createJob({ object: 'Account', operation: 'insert' });
      const upload = await uploadCsv(job.id, 'Name\nA\n');
      expect(upload.headers.get('sforce-limit-info')).toBe('api-usage=2/15000');
      await call('PATCH', `/${job.id}`, { body: { state: 'UploadComplete' } });
      const { polls } = await waitFor(job.id, ['JobComplete']);
      for (const kind of ['successfulResults', 'failedResults', 'unprocessedrecords']) await resultsCsv(job.id, kind);
      await call('GET', '');
      await call('DELETE', `/${job.id}`);
      expect((await raw(sandbox, 'GET', JOBS)).status).toBe(401);

      const stats = await client.stats();
      expect(stats).toMatchObject({ apiCalls: 8 + polls, apiUsage: { used: 8 + polls } });
      expect(stats['callsByRoute']).toEqual({
        'POST /jobs/ingest': 1,
        'PUT /jobs/ingest/{jobId}/batches': 1,
        'PATCH /jobs/ingest/{jobId}': 1,
        'GET /jobs/ingest/{jobId}': polls,
        'GET /jobs/ingest/{jobId}/successfulResults': 1,
        'GET /jobs/ingest/{jobId}/failedResults': 1,
        'GET /jobs/ingest/{jobId}/unprocessedrecords': 1,
        'GET /jobs/ingest': 1,
        'DELETE /jobs/ingest/{jobId}': 1,
      });
    });

    it('adds up the time spent processing jobs apart from the time spent answering their requests', async () => {
      const started = performance.now();
      const info = await runJob({ object: 'Account', operation: 'insert' }, accountsCsv(0, 12_000));
      const wallMs = performance.now() - started;
      expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 12_000 });
      const stats = (await client.stats()) as unknown as { apiHandlingMs: number; bulkProcessingMs: number };
      // Twelve thousand rows written through the DML take milliseconds; the requests that carried them answer at
      // once, the job being processed between them: neither sum exceeds the time the whole job took.
      expect(stats.bulkProcessingMs).toBeGreaterThan(0);
      expect(stats.bulkProcessingMs).toBeLessThanOrEqual(wallMs + 1);
      expect(stats.apiHandlingMs).toBeLessThanOrEqual(wallMs + 1);
      expect(stats.bulkProcessingMs + stats.apiHandlingMs).toBeLessThanOrEqual(wallMs + 2);
    });

    it('takes one daily Bulk API batch per 10,000 rows and fails the job when the allocation runs out', async () => {
      await client.setLimits({ bulkBatchesMax: 3, bulkBatchesUsed: 1 });
      const info = await runJob({ object: 'Account', operation: 'insert' }, accountsCsv(0, 12_000));
      expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: 12_000 });
      const limits = await raw(sandbox, 'GET', `/services/data/v${VERSION}/limits`, { token });
      expect((limits.body as Record<string, unknown>)['DailyBulkApiBatches']).toEqual({ Max: 3, Remaining: 0 });

      const starved = await runJob({ object: 'Account', operation: 'insert' }, accountsCsv(20_000, 20_010));
      expect(starved).toMatchObject({
        state: 'Failed',
        numberRecordsProcessed: 0,
        errorMessage: 'ExceededQuota : The daily allocation of 3 Bulk API batches has been exceeded',
      });
      expect((await resultsCsv(starved.id, 'unprocessedrecords')).trimEnd().split('\n')).toHaveLength(11);
      expect((await admin(sandbox, 'GET', '/limits')).body).toMatchObject({ bulkBatchesMax: 3, bulkBatchesUsed: 3 });
    });
  });
});

describe('Bulk API 2.0: a 100,000-row upsert job', () => {
  let sandbox: SalesforceSandbox;

  beforeAll(async () => {
    // Change events are kept too (1,000 of them here): the bus's own retention is not what this measures.
    sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null, pubSubMaxEvents: 1000 });
  });

  afterAll(async () => {
    await sandbox.close();
  });

  it('completes with every row written, in bounded memory (figures printed)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    /**
     * Heap and array buffers (the upload and the Ids are Buffers) after full collections; the pause lets V8 release
     * the buffers' memory, which it does after the collection that frees them.
     */
    const settled = async () => {
      for (let i = 0; i < 3; i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      const { heapUsed, arrayBuffers } = process.memoryUsage();
      return { heapUsed, arrayBuffers, total: heapUsed + arrayBuffers };
    };
    const rows = 100_000;
    const csv = accountsCsv(0, rows);
    const conn = await connect(sandbox);

    const before = await settled();
    let peakHeap = before.heapUsed;
    const sampler = setInterval(() => (peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed)), 20);
    const started = Date.now();
    const job = conn.bulk2.createJob(UPSERT_ACCOUNTS);
    await job.open();
    await job.uploadData(csv);
    await job.close();
    await job.poll(100, 600_000);
    const elapsed = Date.now() - started;
    clearInterval(sampler);
    const info = await job.check();
    expect(info).toMatchObject({ state: 'JobComplete', numberRecordsProcessed: rows, numberRecordsFailed: 0 });
    expect(sandbox.state.store.size).toBeGreaterThanOrEqual(rows);
    // Unparsed (jsforce would keep 100,000 parsed rows on the job object): header + one line per row.
    expect((await job.getSuccessfulResults(true)).split('\n').filter((l) => l !== '')).toHaveLength(rows + 1);
    // Another request lets the client let go of the last response's buffers before measuring.
    await job.check();

    const withJob = await settled();
    await job.delete();
    const withoutJob = await settled();
    const jobBytes = withJob.total - withoutJob.total;
    const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
    process.stdout.write(
      `\nbulk ingest: ${rows} rows (${mb(Buffer.byteLength(csv))} of CSV) upserted in ${elapsed} ms ` +
        `(job processing ${String(info.totalProcessingTime)} ms); heap ${mb(before.heapUsed)} before, ` +
        `${mb(peakHeap)} sampled peak (garbage included), ${mb(withJob.heapUsed)} after GC ` +
        `(+${mb(withJob.heapUsed - before.heapUsed)} with the 100,000 stored records and their indexes); ` +
        `array buffers ${mb(before.arrayBuffers)} → ${mb(withJob.arrayBuffers)}; ` +
        `the finished job itself holds ${mb(jobBytes)} (${(jobBytes / rows).toFixed(1)} bytes per row; heap ` +
        `${mb(withJob.heapUsed - withoutJob.heapUsed)}, array buffers ${mb(withJob.arrayBuffers - withoutJob.arrayBuffers)})\n`,
    );
    // The job keeps its upload and ~20 bytes per row (outcome and Id); the records are the store's, about 1 KB each.
    expect(jobBytes).toBeLessThan(Buffer.byteLength(csv) + rows * 64);
    expect(withJob.total - before.total).toBeLessThan(rows * 2 * 1024);
  }, 600_000);
});
