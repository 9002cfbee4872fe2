import type { PermanentError, TransientError } from '@hub/resilience';

/** A record in Salesforce API field names. Relationship fields may reference a parent by external id: `{ Account: { Odoo_Id__c: '…' } }`. */
export type SalesforceRecord = Record<string, unknown>;

export type UpsertOutcome =
  { ok: true; id: string; created: boolean } | { ok: false; error: TransientError | PermanentError };

export type DeleteOutcome = { ok: true } | { ok: false; error: TransientError | PermanentError };

/** A record's outcome in a bulk job: its Id is not read back (that would cost a call per job, and nothing needs it). */
export type BulkUpsertOutcome = { ok: true } | { ok: false; error: TransientError | PermanentError };

/** Salesforce's sObject Collections limit: records per call. */
export const SALESFORCE_BATCH_LIMIT = 200;

/**
 * The hub's view of a Salesforce org, in the hub's terms (STYLE rule 9). One adapter per client library.
 *
 * Guarantees: calls are idempotent by external id (re-sending a batch after a lost answer updates the same
 * records, never creates a second one). Batches hold at most {@link SALESFORCE_BATCH_LIMIT} records of one object and
 * are applied with allOrNone=false, so one bad record does not fail the others; results come back in input order.
 *
 * Errors: a failure of the whole call throws TransientError (5xx, timeout, connection reset, REQUEST_LIMIT_EXCEEDED,
 * session that cannot be refreshed, credentials refused: see {@link credentialsProblem}) or PermanentError (malformed request). Per-record failures are returned, mapped
 * to the same two kinds (UNABLE_TO_LOCK_ROW is transient; field errors are permanent).
 */
export abstract class SalesforcePort {
  abstract upsert(objectName: string, externalIdField: string, records: SalesforceRecord[]): Promise<UpsertOutcome[]>;

  /**
   * Upserts records of one object by external id in one Bulk API 2.0 ingest job (CSV): create, upload, close, poll
   * until it ends, then read the failed rows (and the unprocessed ones, if any). Each request is one API call: a job
   * costs about five (create, upload, close, two polls, one more when a row failed) whatever its size, where sObject
   * Collections take one per 200 records; it takes longer (seconds to minutes). A record's fields become columns, a
   * parent by external id (`{ Account: { Odoo_Id__c: 'x' } }`) the column `Account.Odoo_Id__c`; null (or '') sets a
   * field to null (`#N/A`), a field a record lacks is left as it is. At most 100 MB of CSV; external ids unique.
   *
   * Results in input order, matched by external id (Salesforce does not keep the order): a failed row's error is
   * mapped as a collections record's (its `sf__Error` `CODE:message:fields --`), a row left unprocessed is transient.
   * Errors: a job that ends Failed or Aborted throws TransientError BULK_JOB_FAILED (the job's id and Salesforce's
   * errorMessage); one still running after the poll timeout is aborted and throws TransientError BULK_JOB_TIMEOUT; a
   * refused request throws as any call does. A job that failed may have applied some rows (idempotent by external id).
   */
  abstract bulkUpsert(
    objectName: string,
    externalIdField: string,
    records: SalesforceRecord[],
  ): Promise<BulkUpsertOutcome[]>;

  /**
   * Updates existing records by their Salesforce Id (sObject Collections update, `PATCH /composite/sobjects`,
   * allOrNone=false): for records the hub did not create, which the collections upsert cannot address (it takes
   * external-id fields only). Never creates a record: one that does not exist or was deleted fails on its own.
   * Idempotent (re-sending sets the same values). `created` is always false.
   */
  abstract update(objectName: string, records: (SalesforceRecord & { Id: string })[]): Promise<UpsertOutcome[]>;

  /**
   * Deletes records by external id: finds their ids (one query), then deletes them in one collections call. A record
   * that does not exist comes back as a NOT_FOUND failure (the caller decides it is done).
   */
  abstract deleteByExternalId(
    objectName: string,
    externalIdField: string,
    externalIds: string[],
  ): Promise<DeleteOutcome[]>;

  /**
   * Runs a read-only SOQL query and returns every record, following `nextRecordsUrl` (one API call per page of up to
   * 2,000 records), with the number of calls it took. Relationship fields come back nested (`{ Account: { Odoo_Id__c } }`).
   * The caller bounds the result (a window, a list of ids): this reads whatever the query selects. Errors as any call.
   */
  abstract query(soql: string): Promise<{ records: SalesforceRecord[]; calls: number }>;

  /** Reads the org's API usage without writing (`/limits`); the answer also updates {@link apiUsage}. */
  abstract readApiUsage(): Promise<{ used: number; max: number }>;

  /** Id of the org's standard price book (Pricebook2 with IsStandard = true): every product's list price lives there. */
  abstract standardPricebookId(): Promise<string>;

  /** API usage the org reported on the last response (`Sforce-Limit-Info: api-usage=used/max`). */
  abstract apiUsage(): { used: number; max: number } | undefined;

  /**
   * Why Salesforce refuses the hub's credentials (a wrong client secret, an unknown client id, the client-credentials
   * flow off), naming the setting to fix; undefined while they are accepted. Asks for a token when there is no
   * session yet, or when the last one was refused a while ago (so a fixed secret is seen without traffic); answers
   * within a couple of seconds whatever the token endpoint does. A configuration error: readiness fails with it, and
   * calls throw TransientError SALESFORCE_CREDENTIALS_REFUSED, which pauses consumption until a token is issued again.
   */
  credentialsProblem(): Promise<string | undefined> {
    return Promise.resolve(undefined);
  }
}
