/**
 * The sandbox stays within bounded memory: an org of a million rows must fit in a gigabyte (measured here on 100,000
 * accounts, figures printed), and query cursors a client abandons are released.
 */
import { measureFootprint } from '../../bench/salesforce-footprint';
import { startSalesforceSandbox, type SalesforceSandbox } from './salesforce-sandbox';
import { connect, fetchToken, raw, VERSION } from './sandbox.test-client';

/** An org of 1,000,000 rows stays under 1 GB of heap, with room for the event bus, cursors and requests. */
const BYTES_PER_ROW_BUDGET = 900;

describe('Salesforce sandbox memory', () => {
  jest.setTimeout(120_000);

  it('holds a row of an account in well under a kilobyte, indexed, written or replayed from disk', () => {
    // Each phase in a process of its own (see the bench): in-process figures mix in this runner's garbage.
    const rows = 100_000;
    const { written, replayed, journalBytes } = measureFootprint(rows);
    process.stdout.write(
      `\nrecord store: ${rows} accounts take ${written.bytesPerRow.toFixed(0)} bytes per row written through the DML, ` +
        `${replayed.bytesPerRow.toFixed(0)} bytes per row replayed from a ${(journalBytes / 2 ** 20).toFixed(0)} MB ` +
        `journal in ${replayed.ms} ms (the Odoo_Id__c index included)\n`,
    );
    expect(written.rows).toBe(rows);
    expect(replayed.rows).toBeGreaterThanOrEqual(rows);
    expect(written.bytesPerRow).toBeLessThan(BYTES_PER_ROW_BUDGET);
    expect(replayed.bytesPerRow).toBeLessThan(BYTES_PER_ROW_BUDGET);
  });

  describe('query cursors', () => {
    let sandbox: SalesforceSandbox;

    beforeAll(async () => {
      sandbox = await startSalesforceSandbox({ port: 0, pubSubPort: null, maxQueryCursors: 2 });
      const conn = await connect(sandbox);
      for (let from = 0; from < 450; from += 150) {
        const accounts = Array.from({ length: 150 }, (_, i) => ({ Name: `Paged ${from + i}` }));
        const results = await conn.sobject('Account').create(accounts, { allOrNone: true });
        expect(results.every((r) => r.success)).toBe(true);
      }
    });

    afterAll(async () => {
      await sandbox.close();
    });

    it('releases the cursor unused the longest when one more is opened than the sandbox keeps', async () => {
      const token = await fetchToken(sandbox);
      const headers = { 'Sforce-Query-Options': 'batchSize=200' };
      const get = (path: string) => raw(sandbox, 'GET', path, { token, headers });
      const open = async () => {
        const res = await get(`/services/data/v${VERSION}/query?q=${encodeURIComponent('SELECT Id FROM Account')}`);
        expect(res.body).toMatchObject({ totalSize: 450, done: false });
        return (res.body as { nextRecordsUrl: string }).nextRecordsUrl;
      };
      const a = await open();
      const b = await open();
      // Reading a page of A makes B the cursor unused the longest.
      const aPage2 = await get(a);
      expect(aPage2.body).toMatchObject({ done: false });
      const c = await open();

      const released = await get(b);
      expect(released.status).toBe(400);
      expect(released.body).toEqual([expect.objectContaining({ errorCode: 'INVALID_QUERY_LOCATOR' })]);
      const aLast = await get((aPage2.body as { nextRecordsUrl: string }).nextRecordsUrl);
      expect(aLast.body).toMatchObject({ done: true });
      expect((aLast.body as { records: unknown[] }).records).toHaveLength(50);
      expect((await get(c)).body).toMatchObject({ done: false });
    });
  });
});
