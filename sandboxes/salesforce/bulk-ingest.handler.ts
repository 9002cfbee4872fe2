/**
 * Bulk API 2.0 ingest resources under `/services/data/vXX.X/jobs/ingest`, behind the same pipeline as the REST API
 * (bearer token, allowance, one API call per request, injected latency and 503s). Decode, one service call, encode:
 * the job rules are {@link BulkIngestService}'s.
 */
import type { BulkIngestService, IngestJobView, ResultKind } from './bulk-ingest.service';
import { jsonResponse, noContent, parseJsonBody, type SandboxResponse } from './http.helpers';
import { apiChangeOrigin } from './pubsub/change-capture.service';
import type { RestContext, RestRoute } from './rest-api.handler';
import { ApiErrors } from './salesforce.errors';
import { formatDateTime } from './sobject-dml.service';

/** `Get All Jobs` answers at most this many jobs per page. */
const PAGE_SIZE = 1000;
const RESULT_KINDS: readonly ResultKind[] = ['successfulResults', 'failedResults', 'unprocessedrecords'];

/** Whether a request is a job data upload, whose body has the Bulk API's own size limit. */
export function isBulkUpload(method: string, path: readonly string[]): boolean {
  return method === 'PUT' && path[0] === 'jobs' && path[1] === 'ingest' && path[3] === 'batches' && path.length === 4;
}

/** The fields every job answer starts with, in Salesforce's order. */
function base(job: IngestJobView) {
  return {
    id: job.id,
    operation: job.operation,
    object: job.object,
    createdById: job.createdById,
    createdDate: formatDateTime(job.createdDate),
    systemModstamp: formatDateTime(job.systemModstamp),
    state: job.state,
    ...(job.externalIdFieldName ? { externalIdFieldName: job.externalIdFieldName } : {}),
    ...(job.assignmentRuleId ? { assignmentRuleId: job.assignmentRuleId } : {}),
    concurrencyMode: 'Parallel',
    contentType: 'CSV',
    // A JSON number, as Salesforce sends it (62.0 reads as 62).
    apiVersion: Number(job.apiVersion),
  };
}

function contentUrl(job: IngestJobView): string {
  return `services/data/v${job.apiVersion}/jobs/ingest/${job.id}/batches`;
}

/** Create a Job, Upload Complete and Abort answers. */
function summary(job: IngestJobView) {
  return {
    ...base(job),
    contentUrl: contentUrl(job),
    lineEnding: job.format.lineEnding,
    columnDelimiter: job.format.columnDelimiter,
  };
}

/** Get Job Info. */
function detail(job: IngestJobView) {
  return {
    ...base(job),
    jobType: 'V2Ingest',
    contentUrl: contentUrl(job),
    lineEnding: job.format.lineEnding,
    columnDelimiter: job.format.columnDelimiter,
    numberRecordsProcessed: job.numberRecordsProcessed,
    numberRecordsFailed: job.numberRecordsFailed,
    retries: job.retries,
    totalProcessingTime: job.totalProcessingTime,
    apiActiveProcessingTime: job.totalProcessingTime,
    apexProcessingTime: 0,
    ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
  };
}

/** A job in Get All Jobs. */
function listed(job: IngestJobView) {
  return {
    ...base(job),
    jobType: 'V2Ingest',
    lineEnding: job.format.lineEnding,
    columnDelimiter: job.format.columnDelimiter,
  };
}

export class BulkIngestApi {
  constructor(private readonly service: BulkIngestService) {}

  /** Matches `jobs/…` (the path after the version); 404 for anything else, 405 for a wrong method. */
  route(ctx: RestContext): RestRoute {
    const [jobs, kind, jobId, resource, ...rest] = ctx.path;
    if (jobs !== 'jobs' || kind !== 'ingest' || rest.length) throw ApiErrors.notFound();
    const on = (allowed: Record<string, { write: boolean; run: () => SandboxResponse }>, name: string): RestRoute => {
      const entry = allowed[ctx.method];
      if (!entry) throw ApiErrors.methodNotAllowed(ctx.method, Object.keys(allowed));
      return { name: `${ctx.method} ${name}`, ...entry };
    };
    if (jobId === undefined) {
      return on(
        {
          POST: { write: true, run: () => this.create(ctx) },
          GET: { write: false, run: () => this.list(ctx) },
        },
        '/jobs/ingest',
      );
    }
    if (resource === undefined) {
      return on(
        {
          GET: { write: false, run: () => jsonResponse(200, detail(this.service.info(jobId))) },
          PATCH: {
            write: true,
            run: () => jsonResponse(200, summary(this.service.changeState(jobId, parseJsonBody(ctx.body)))),
          },
          DELETE: {
            write: true,
            run: () => {
              this.service.delete(jobId);
              return noContent();
            },
          },
        },
        '/jobs/ingest/{jobId}',
      );
    }
    if (resource === 'batches') {
      return on({ PUT: { write: true, run: () => this.upload(ctx, jobId) } }, '/jobs/ingest/{jobId}/batches');
    }
    const results = RESULT_KINDS.find((k) => k === resource);
    if (results) {
      return on(
        {
          GET: {
            write: false,
            run: () => ({
              status: 200,
              stream: { contentType: 'text/csv', chunks: this.service.results(jobId, results) },
            }),
          },
        },
        `/jobs/ingest/{jobId}/${results}`,
      );
    }
    throw ApiErrors.notFound();
  }

  private create(ctx: RestContext): SandboxResponse {
    const changeOrigin = apiChangeOrigin('bulkapi', ctx.version, ctx.headers['sforce-call-options']);
    const job = this.service.create(parseJsonBody(ctx.body), { version: ctx.version, changeOrigin });
    return jsonResponse(200, summary(job));
  }

  private upload(ctx: RestContext, jobId: string): SandboxResponse {
    const contentType = ctx.headers['content-type'] ?? '';
    this.service.upload(jobId, ctx.bodyBytes, contentType);
    return { status: 201 };
  }

  /** Get All Jobs: pages of 1000, oldest first; `jobType`, `concurrencyMode` and `isPkChunkingEnabled` filter. */
  private list(ctx: RestContext): SandboxResponse {
    const { query } = ctx;
    const locator = query.get('queryLocator');
    const offset = locator === null ? 0 : Number(locator);
    if (!Number.isInteger(offset) || offset < 0) throw ApiErrors.invalidQueryLocator();
    const matches =
      (query.get('jobType') ?? 'V2Ingest') === 'V2Ingest' &&
      (query.get('concurrencyMode') ?? 'Parallel') === 'Parallel' &&
      query.get('isPkChunkingEnabled') !== 'true';
    const jobs = matches ? this.service.list() : [];
    const page = jobs.slice(offset, offset + PAGE_SIZE);
    const next = offset + PAGE_SIZE;
    const done = next >= jobs.length;
    const params = new URLSearchParams(query);
    params.set('queryLocator', String(next));
    return jsonResponse(200, {
      done,
      records: page.map(listed),
      nextRecordsUrl: done ? null : `/services/data/v${ctx.version}/jobs/ingest?${params.toString()}`,
    });
  }
}
