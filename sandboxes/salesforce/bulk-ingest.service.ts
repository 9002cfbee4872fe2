/**
 * Bulk API 2.0 ingest jobs: the job state machine and the asynchronous processing of job data.
 *
 * Open ─upload (once)─▶ Open ─UploadComplete─▶ UploadComplete ─▶ InProgress ─▶ JobComplete | Failed
 *   └──────────────── Aborted ◀─────────────────────┴──────────────────┘
 *
 * Processing starts on the next turn of the event loop after UploadComplete. The data is read in batches of 10,000
 * records (Salesforce's internal batches: each takes one of the org's daily Bulk API batches, and duplicate external
 * ids are refused within one), written in transactions of 200 records (one Change Data Capture transaction each),
 * every record through the same per-record path as sObject Collections, so validation, rules, upsert semantics and
 * change events are those of the REST API. The event loop gets a turn between batches: an abort takes effect at the
 * next batch, and other requests are served meanwhile.
 */
import {
  COLUMN_DELIMITERS,
  CsvFormatError,
  IngestCsv,
  LINE_ENDINGS,
  type ColumnDelimiter,
  type CsvFormat,
  type LineEnding,
} from './bulk-ingest-csv.parser';
import { BulkErrors, JobFailures } from './bulk-ingest.errors';
import { HeaderError, IngestRowMapper, type MappedRow } from './bulk-ingest.mapper';
import { IngestResults } from './bulk-ingest.results';
import type { SandboxStats } from './admin-api.handler';
import type { FaultInjector } from './fault.injector';
import { buildId } from './record-id';
import type { CommitContext } from './record.store';
import type { ApiUsage } from './rest-api.handler';
import { ApiErrors } from './salesforce.errors';
import type { RecordOutcome, SObjectCollections, WriteScope } from './sobject-collection.service';
import { findField, type FieldDef, type SObjectCatalogue, type SObjectDef } from './sobject.catalogue';

export const INGEST_OPERATIONS = ['insert', 'update', 'upsert', 'delete', 'hardDelete'] as const;
export type IngestOperation = (typeof INGEST_OPERATIONS)[number];

export type JobState = 'Open' | 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';
const FINISHED: readonly JobState[] = ['JobComplete', 'Failed', 'Aborted'];
const DELETABLE: readonly JobState[] = ['UploadComplete', ...FINISHED];
const ABORTABLE: readonly JobState[] = ['Open', 'UploadComplete', 'InProgress'];

/** Salesforce splits a job's data into batches of this many records. */
export const BATCH_RECORDS = 10_000;
/** Records written per transaction (the Bulk API's chunk size since API 21.0). */
export const CHUNK_RECORDS = 200;
/** "A request can provide CSV data that does not in total exceed 150 MB of base64 encoded content." */
export const MAX_UPLOAD_BASE64_BYTES = 150 * 1024 * 1024;
/** Jobs in a final state are removed after seven days, as Salesforce does. */
const RETENTION_MS = 7 * 24 * 60 * 60 * 1000;

/** A job as clients see it. */
export interface IngestJobView {
  readonly id: string;
  readonly object: string;
  readonly operation: IngestOperation;
  readonly externalIdFieldName?: string;
  readonly assignmentRuleId?: string;
  readonly format: CsvFormat;
  readonly apiVersion: string;
  readonly createdById: string;
  readonly createdDate: Date;
  readonly systemModstamp: Date;
  readonly state: JobState;
  readonly errorMessage?: string;
  readonly numberRecordsProcessed: number;
  readonly numberRecordsFailed: number;
  readonly retries: number;
  /** Milliseconds from the start of processing to its end (or now). */
  readonly totalProcessingTime: number;
}

interface IngestJob {
  readonly id: string;
  readonly object: SObjectDef;
  readonly operation: IngestOperation;
  /** Upsert key: an external id field, or Id (rows with an Id update, rows without create). */
  readonly key?: FieldDef;
  readonly assignmentRuleId?: string;
  readonly format: CsvFormat;
  readonly apiVersion: string;
  /** What Change Data Capture reports for the job's writes. */
  readonly commit: CommitContext;
  readonly createdDate: Date;
  systemModstamp: Date;
  state: JobState;
  errorMessage?: string;
  /** The upload, as sent. */
  data?: Buffer;
  csv?: IngestCsv;
  results?: IngestResults;
  startedAt?: number;
  finishedAt?: number;
}

export type ResultKind = 'successfulResults' | 'failedResults' | 'unprocessedrecords';

export interface BulkIngestDeps {
  catalogue: SObjectCatalogue;
  collections: SObjectCollections;
  faults: FaultInjector;
  usage: ApiUsage;
  clock: () => Date;
  /** The integration user: the jobs' creator and their writes' committer. */
  userId: string;
  /** Where the time spent processing jobs is added up (the admin API's statistics); unset: nowhere. */
  stats?: Pick<SandboxStats, 'bulkProcessingMs'>;
}

/** Who creates a job: the URL's API version and the request's `Sforce-Call-Options` turned into a CDC origin. */
export interface JobRequestContext {
  version: string;
  changeOrigin: string;
}

function text(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw BulkErrors.invalidValue('String', value);
  return value;
}

function oneOf<T extends string>(type: string, allowed: readonly T[], value: string | undefined, fallback: T): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value)) throw BulkErrors.invalidValue(type, value);
  return value as T;
}

const REQUEST_FIELDS = [
  'object',
  'operation',
  'externalIdFieldName',
  'contentType',
  'lineEnding',
  'columnDelimiter',
  'assignmentRuleId',
];

export class BulkIngestService {
  private readonly jobs = new Map<string, IngestJob>();
  private readonly running = new Set<Promise<void>>();
  private serial = 0;
  private stopped = false;

  constructor(private readonly deps: BulkIngestDeps) {}

  /** The largest upload accepted: 150 MB once base64-encoded. */
  get maxUploadBytes(): number {
    return Math.floor(MAX_UPLOAD_BASE64_BYTES / 4) * 3;
  }

  /** Creates an Open job; throws ApiFailure (400) for a request Salesforce refuses. */
  create(body: unknown, request: JobRequestContext): IngestJobView {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      throw ApiErrors.jsonParser('Cannot deserialize instance of JobInfo from START_ARRAY value');
    }
    const fields = body as Record<string, unknown>;
    const unknown = Object.keys(fields).find((k) => !REQUEST_FIELDS.includes(k));
    if (unknown !== undefined) throw BulkErrors.unrecognizedField(unknown);
    const objectName = text(fields, 'object');
    const operationName = text(fields, 'operation');
    if (!objectName) throw BulkErrors.missingProperty('object');
    if (!operationName) throw BulkErrors.missingProperty('operation');
    const operation = oneOf('OperationEnum', INGEST_OPERATIONS, operationName, 'insert');
    oneOf('ContentType', ['CSV'], text(fields, 'contentType'), 'CSV');
    const format: CsvFormat = {
      lineEnding: oneOf('LineEndingEnum', Object.keys(LINE_ENDINGS) as LineEnding[], text(fields, 'lineEnding'), 'LF'),
      columnDelimiter: oneOf(
        'ColumnDelimiterEnum',
        Object.keys(COLUMN_DELIMITERS) as ColumnDelimiter[],
        text(fields, 'columnDelimiter'),
        'COMMA',
      ),
    };
    const object = this.deps.catalogue.get(objectName);
    if (!object) throw BulkErrors.unknownObject(objectName);
    if (operation === 'hardDelete') throw BulkErrors.hardDeleteNotPermitted();
    let key: FieldDef | undefined;
    if (operation === 'upsert') {
      const name = text(fields, 'externalIdFieldName');
      if (!name) throw BulkErrors.externalIdRequired(object.name);
      key = findField(object, name);
      if (!key || (!key.externalId && key.name !== 'Id')) throw BulkErrors.notAnExternalId(name, object.name);
    }
    this.purgeExpired();
    const now = this.deps.clock();
    const job: IngestJob = {
      id: buildId('750', ++this.serial, 'Bk'),
      object,
      operation,
      key,
      assignmentRuleId: text(fields, 'assignmentRuleId'),
      format,
      apiVersion: request.version,
      commit: { userId: this.deps.userId, changeOrigin: request.changeOrigin },
      createdDate: now,
      systemModstamp: now,
      state: 'Open',
    };
    this.jobs.set(job.id, job);
    return this.view(job);
  }

  /**
   * Stores the job's data: once, while the job is Open. `data` undefined means the upload was larger than
   * {@link maxUploadBytes}.
   */
  upload(jobId: string, data: Buffer | undefined, contentType: string): void {
    const job = this.job(jobId);
    if (job.state !== 'Open') throw BulkErrors.notOpenForUpload(job.id, job.state);
    if (job.data) throw BulkErrors.multipleUploads(job.id);
    if (!/^text\/csv(;|$)/i.test(contentType.trim())) throw BulkErrors.notCsv(contentType);
    if (!data) throw BulkErrors.uploadTooLarge(MAX_UPLOAD_BASE64_BYTES);
    job.data = data;
    this.touch(job);
  }

  /** `PATCH {"state": "UploadComplete" | "Aborted"}`. */
  changeState(jobId: string, body: unknown): IngestJobView {
    const job = this.job(jobId);
    const target = body !== null && typeof body === 'object' ? (body as { state?: unknown }).state : undefined;
    if (typeof target !== 'string') throw BulkErrors.missingProperty('state');
    const state = oneOf<JobState>(
      'JobStateEnum',
      ['Open', 'UploadComplete', 'InProgress', 'JobComplete', 'Failed', 'Aborted'],
      target,
      'Open',
    );
    if (state === 'UploadComplete' && job.state === 'Open') {
      job.state = 'UploadComplete';
      this.touch(job);
      this.schedule(job);
    } else if (state === 'Aborted' && ABORTABLE.includes(job.state)) {
      // Rows already written stay written; the processing loop stops before its next batch.
      job.state = 'Aborted';
      if (job.startedAt !== undefined) job.finishedAt = this.deps.clock().getTime();
      this.touch(job);
    } else {
      throw BulkErrors.invalidTransition(job.id, job.state, state);
    }
    return this.view(job);
  }

  info(jobId: string): IngestJobView {
    return this.view(this.job(jobId));
  }

  /** Every job, oldest first. */
  list(): IngestJobView[] {
    return [...this.jobs.values()].map((job) => this.view(job));
  }

  delete(jobId: string): void {
    const job = this.job(jobId);
    if (!DELETABLE.includes(job.state)) throw BulkErrors.notDeletable(job.id, job.state);
    // A job deleted before its processing started is never processed: the loop finds it gone.
    this.jobs.delete(job.id);
  }

  /** One of the three result CSVs, produced as it is read; empty when the job's data was never read. */
  results(jobId: string, kind: ResultKind): Iterable<string> {
    const job = this.job(jobId);
    const { csv, results } = job;
    if (!csv || !results) {
      // Never read (aborted before processing, or data Salesforce could not parse): every row is unprocessed.
      return kind === 'unprocessedrecords' && job.data ? [job.data.toString('utf8')] : [];
    }
    if (kind === 'successfulResults') return results.successfulCsv(csv, job.format);
    if (kind === 'failedResults') return results.failedCsv(csv, job.format);
    return results.unprocessedCsv(csv, job.format);
  }

  /** Jobs by state, for the admin API's statistics. */
  countByState(): Partial<Record<JobState, number>> {
    const counts: Partial<Record<JobState, number>> = {};
    for (const job of this.jobs.values()) counts[job.state] = (counts[job.state] ?? 0) + 1;
    return counts;
  }

  /** Forgets every job (`POST /__admin/reset`); processing under way stops at its next batch. */
  reset(): void {
    this.jobs.clear();
  }

  /** Stops processing (the sandbox is closing) and waits for the batches under way to end. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all([...this.running]);
  }

  private job(jobId: string): IngestJob {
    const job = this.jobs.get(jobId);
    if (!job) throw ApiErrors.notFound();
    return job;
  }

  private touch(job: IngestJob): void {
    job.systemModstamp = this.deps.clock();
  }

  /** Still the job to process: not deleted, reset or aborted meanwhile, and the sandbox not closing. */
  private current(job: IngestJob): boolean {
    return !this.stopped && this.jobs.get(job.id) === job && job.state === 'InProgress';
  }

  private purgeExpired(): void {
    const cutoff = this.deps.clock().getTime() - RETENTION_MS;
    for (const job of this.jobs.values()) {
      if (FINISHED.includes(job.state) && job.systemModstamp.getTime() < cutoff) this.jobs.delete(job.id);
    }
  }

  private schedule(job: IngestJob): void {
    const run = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.process(job))
      .catch((e: unknown) => {
        // A defect of the sandbox: the job fails as a Salesforce job would, and the process keeps serving.
        if (this.jobs.get(job.id) === job && !FINISHED.includes(job.state)) {
          this.finish(job, 'Failed', `InternalServerError : ${e instanceof Error ? e.message : String(e)}`);
        }
      })
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  private async process(job: IngestJob): Promise<void> {
    if (this.stopped || this.jobs.get(job.id) !== job || job.state !== 'UploadComplete') return;
    job.state = 'InProgress';
    job.startedAt = this.deps.clock().getTime();
    this.touch(job);
    const injected = this.deps.faults.bulkJobFailure();
    // The scan yields once a megabyte: what another request took meanwhile is counted here too (a few ms a job).
    const scanning = performance.now();
    try {
      job.csv = await IngestCsv.scan(job.data ?? Buffer.alloc(0), job.format);
    } catch (e) {
      if (!(e instanceof CsvFormatError)) throw e;
      if (this.current(job)) this.finish(job, 'Failed', injected ?? e.message);
      return;
    } finally {
      this.spent(scanning);
    }
    if (!this.current(job)) return;
    job.results = new IngestResults(job.csv.rowCount);
    // An injected failure writes nothing: every row stays unprocessed, as when Salesforce gives up on a job.
    if (injected) return this.finish(job, 'Failed', injected);
    let mapper: IngestRowMapper;
    try {
      mapper = IngestRowMapper.forHeader(this.deps.catalogue, job.object, job.csv.header);
    } catch (e) {
      if (!(e instanceof HeaderError)) throw e;
      return this.finish(job, 'Failed', e.message);
    }
    const { usage } = this.deps;
    for (let from = 0; from < job.csv.rowCount; from += BATCH_RECORDS) {
      if (usage.bulkBatchesUsed >= usage.bulkBatchesMax) {
        return this.finish(job, 'Failed', JobFailures.batchAllocationExceeded(usage.bulkBatchesMax));
      }
      usage.bulkBatchesUsed++;
      const writing = performance.now();
      this.writeBatch(job, mapper, from, Math.min(from + BATCH_RECORDS, job.csv.rowCount));
      this.spent(writing);
      await new Promise((resolve) => setImmediate(resolve));
      if (!this.current(job)) return;
    }
    this.finish(job, 'JobComplete');
  }

  /** Adds the time since `since` (`performance.now()`) to the statistics' bulk processing time. */
  private spent(since: number): void {
    if (this.deps.stats) this.deps.stats.bulkProcessingMs += performance.now() - since;
  }

  /** Rows [from, to): one internal batch, written in transactions of {@link CHUNK_RECORDS}. */
  private writeBatch(job: IngestJob, mapper: IngestRowMapper, from: number, to: number): void {
    const { csv, results } = job as Required<Pick<IngestJob, 'csv' | 'results'>>;
    const { collections } = this.deps;
    const writable: { row: number; mapped: Extract<MappedRow, { ok: true }> }[] = [];
    csv.rows(from, to).forEach((fields, i) => {
      const mapped = mapper.map(fields);
      if (mapped.ok) writable.push({ row: from + i, mapped });
      else results.record(from + i, mapped);
    });
    // One CommitContext object per chunk of rows: Change Data Capture gives each chunk one transaction.
    const chunks: CommitContext[] = [];
    const scope: WriteScope = {
      commit: (i) => (chunks[Math.floor((writable[i].row - from) / CHUNK_RECORDS)] ??= { ...job.commit }),
    };
    let outcomes: RecordOutcome[];
    const { object, key } = job;
    if (job.operation === 'upsert' && key && key.name !== 'Id') {
      outcomes = collections.upsert(
        scope,
        object,
        key,
        writable.map((w) => w.mapped.parsed),
      );
    } else {
      outcomes = writable.map(({ mapped }, i) => {
        if (job.operation === 'delete') return collections.delete(scope, i, mapped.id, object);
        const { parsed, id } = mapped;
        if (job.operation === 'update' || (job.operation === 'upsert' && id !== '')) {
          return collections.update(scope, i, object, id, { ...parsed, hasId: false });
        }
        return collections.create(scope, i, object, parsed);
      });
    }
    outcomes.forEach((outcome, i) => results.record(writable[i].row, outcome));
  }

  private finish(job: IngestJob, state: 'JobComplete' | 'Failed', errorMessage?: string): void {
    job.state = state;
    job.errorMessage = errorMessage;
    job.finishedAt = this.deps.clock().getTime();
    this.touch(job);
  }

  private view(job: IngestJob): IngestJobView {
    const end = job.finishedAt ?? this.deps.clock().getTime();
    return {
      id: job.id,
      object: job.object.name,
      operation: job.operation,
      externalIdFieldName: job.key?.name,
      assignmentRuleId: job.assignmentRuleId,
      format: job.format,
      apiVersion: job.apiVersion,
      createdById: job.commit.userId,
      createdDate: job.createdDate,
      systemModstamp: job.systemModstamp,
      state: job.state,
      errorMessage: job.errorMessage,
      numberRecordsProcessed: job.results?.processed ?? 0,
      numberRecordsFailed: job.results?.failed ?? 0,
      retries: 0,
      totalProcessingTime: job.startedAt === undefined ? 0 : Math.max(0, end - job.startedAt),
    };
  }
}
