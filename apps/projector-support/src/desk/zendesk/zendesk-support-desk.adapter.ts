import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { z } from 'zod';
import { createClient, type ZendeskClient } from 'node-zendesk';
import {
  cutNote,
  DESK_CONTEXT_FIELD_KEYS,
  SupportDesk,
  type DeskContextFields,
  type DeskLimits,
  type DeskNoteResult,
  type DeskOrganization,
  type DeskPerson,
  type DeskResult,
  type DeskTicket,
} from '../support-desk.port';
import {
  mapJobItemFailure,
  mapZendeskError,
  organizationNotYetInDesk,
  parseRetryAfter,
  ZendeskHttpError,
  ZendeskNetworkError,
  type ZendeskJobItemFailure,
} from './zendesk-error.mapper';
import type { ZendeskSettings } from './zendesk.settings';
import { DEFAULT_RATE_LIMIT, RateLimitGate } from '../rate-limit.gate';

/**
 * The longest private note sent, in characters. Zendesk documents no maximum comment body in the pages read (the
 * Ticket Comments page gives only the 5,000-comments-per-ticket limit), so the hub keeps notes under 64 KB of
 * text, an assumption to revisit if Zendesk ever refuses one.
 */
export const ZENDESK_MAX_NOTE_LENGTH = 64_000;

/** `create_many`, `update_many`, `create_or_update_many` take at most 100 items (saas-apis B1 [V]). */
export const ZENDESK_MAX_BATCH = 100;

interface JobStatus {
  id: string;
  status: 'queued' | 'working' | 'completed' | 'failed' | 'killed';
  message?: string | null;
  results?: Array<{
    index?: number;
    id?: number;
    action?: string;
    status?: string;
    error?: string;
    details?: unknown;
  }> | null;
}
interface ZendeskOrganization {
  id: number;
  external_id: string | null;
}
/** node-zendesk types its answers loosely: the fields the adapter reads are checked, not cast. */
const zendeskTicket = z.object({
  id: z.number(),
  subject: z.string().nullable().default(null),
  status: z.string(),
  priority: z.string().nullable().default(null),
  requester_id: z.number().nullable().default(null),
});
type ZendeskTicket = z.infer<typeof zendeskTicket>;
const zendeskUserExternalId = z.object({ external_id: z.string().nullable().default(null) });
const jobStatusAnswer = z.object({
  job_status: z.object({
    id: z.string(),
    status: z.enum(['queued', 'working', 'completed', 'failed', 'killed']),
    message: z.string().nullable().optional(),
    results: z
      .array(
        z.object({
          index: z.number().optional(),
          id: z.number().optional(),
          action: z.string().optional(),
          status: z.string().optional(),
          error: z.string().optional(),
          details: z.unknown().optional(),
        }),
      )
      .nullable()
      .optional(),
  }),
});
interface ZendeskComment {
  id: number;
  body: string;
  plain_body?: string;
  public: boolean;
}
interface TicketUpdateAnswer {
  ticket: ZendeskTicket;
  audit?: { events?: Array<{ id: number; type: string }> };
}

type Outcome = DeskResult | undefined;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const lower = (v: string) => v.toLowerCase();

/**
 * {@link SupportDesk} on Zendesk Support through node-zendesk 6 (the only file that imports it).
 *
 * HTTP goes through node-zendesk's `transportConfig` hook with our own fetch, for two reasons read in its source:
 * it turns any answer carrying `Retry-After` into a *returned* (not thrown) Error and passes statuses missing from its
 * table (502, 504…) through as results; and its thrown errors drop the headers. Our transport throws
 * {@link ZendeskHttpError} for every status ≥ 400 with `Retry-After` read, and {@link ZendeskNetworkError} when no
 * answer comes, so node-zendesk only ever sees successes (`throwOriginalException` keeps our errors as they are).
 *
 * Organizations: Zendesk has no `organizations/create_or_update_many` (its docs and node-zendesk list `create_many`,
 * `update_many` and the single `create_or_update`), so a batch is one `show_many?external_ids=` lookup, then one
 * `create_many` job for the new ones and one `update_many` job for the known ones. People: one
 * `users/create_or_update_many` job (matches by external_id or email). Jobs are polled through `job_statuses`.
 * The bulk calls go through `_rawRequest` (node-zendesk's typed raw request): its `createMany`, `updateMany` and
 * `createOrUpdateMany` post their argument as the body while their types say `object[]`, and the raw answer keeps
 * `job_status` as Zendesk sends it.
 */
export class ZendeskSupportDeskAdapter extends SupportDesk {
  readonly platform = 'zendesk' as const;
  readonly limits: DeskLimits = { maxBatchSize: ZENDESK_MAX_BATCH, maxNoteLength: ZENDESK_MAX_NOTE_LENGTH };
  private readonly client: ZendeskClient;
  private readonly pollIntervalMs: number;
  private readonly maxPolls: number;

  private readonly rateLimit: RateLimitGate;

  constructor(settings: ZendeskSettings) {
    super();
    this.rateLimit = settings.rateLimit ?? new RateLimitGate(DEFAULT_RATE_LIMIT);
    const timeoutMs = settings.requestTimeoutMs ?? 30_000;
    this.pollIntervalMs = settings.jobPollIntervalMs ?? 1000;
    this.maxPolls = settings.jobMaxPolls ?? 60;
    this.client = createClient({
      endpointUri: settings.endpointUri.replace(/\/+$/, ''),
      username: settings.email,
      token: settings.apiToken,
      oauth: settings.oauth ?? false,
      throwOriginalException: true,
      transportConfig: {
        transportFn: (uri: string, init: { method: string; headers: Record<string, string>; body?: string }) =>
          zendeskFetch(uri, init, timeoutMs),
        responseAdapter: (response: Response) => ({
          json: () => response.json(),
          status: response.status,
          headers: { get: (name: string) => response.headers.get(name) },
          statusText: response.statusText,
        }),
      },
    });
  }

  async upsertOrganizations(records: DeskOrganization[]): Promise<DeskResult[]> {
    this.checkBatch(records.length);
    if (!records.length) return [];
    const known = await this.call(() => this.organizationIds(records.map((r) => r.externalId)));
    const creates: number[] = [];
    const updates: number[] = [];
    const outcomes: Outcome[] = new Array(records.length).fill(undefined);
    records.forEach((r, i) => {
      if (known.has(lower(r.externalId))) updates.push(i);
      // A context-only update of an organization Zendesk does not have: its creation has not landed yet.
      else if (r.name === undefined) outcomes[i] = { ok: false, error: notOnDesk(r.externalId) };
      else creates.push(i);
    });
    const jobs: Array<Promise<void>> = [];
    if (creates.length) {
      const body = { organizations: creates.map((i) => organizationPayload(records[i]!)) };
      jobs.push(
        this.runJob(
          () => this.client.organizations._rawRequest('POST', ['organizations', 'create_many'], body),
          creates,
          outcomes,
          'organization',
          () => true,
        ),
      );
    }
    if (updates.length) {
      const body = {
        organizations: updates.map((i) => ({
          id: known.get(lower(records[i]!.externalId)),
          ...organizationPayload(records[i]!),
        })),
      };
      jobs.push(
        this.runJob(
          () => this.client.organizations._rawRequest('PUT', ['organizations', 'update_many'], body),
          updates,
          outcomes,
          'organization',
          () => false,
        ),
      );
    }
    await this.settle(jobs);
    return outcomes.map((o) => o ?? noResult());
  }

  async upsertPeople(records: DeskPerson[]): Promise<DeskResult[]> {
    this.checkBatch(records.length);
    if (!records.length) return [];
    const orgExternalIds = [
      ...new Set(records.flatMap((r) => (r.organizationExternalId ? [r.organizationExternalId] : []))),
    ];
    const orgs = orgExternalIds.length
      ? await this.call(() => this.organizationIds(orgExternalIds))
      : new Map<string, number>();
    const outcomes: Outcome[] = new Array(records.length).fill(undefined);
    const sent: number[] = [];
    const users: Array<Record<string, unknown>> = [];
    records.forEach((r, i) => {
      const orgId = r.organizationExternalId ? orgs.get(lower(r.organizationExternalId)) : null;
      if (orgId === undefined) {
        outcomes[i] = { ok: false, error: organizationNotYetInDesk(r.organizationExternalId!) };
        return;
      }
      sent.push(i);
      users.push(personPayload(r, orgId));
    });
    if (users.length) {
      await this.settle([
        this.runJob(
          () => this.client.users._rawRequest('POST', ['users', 'create_or_update_many'], { users }),
          sent,
          outcomes,
          'person',
          (item) => item.action === 'create' || item.status === 'Created',
        ),
      ]);
    }
    return outcomes.map((o) => o ?? noResult());
  }

  async addPrivateNote(ticketId: string, body: string): Promise<DeskNoteResult> {
    const id = ticketNumber(ticketId);
    const note = cutNote(body, this.limits.maxNoteLength);
    // tickets.update unwraps the answer to `ticket` and drops `audit`, whose Comment event holds the new comment's
    // id; `_rawRequest` is node-zendesk's typed raw request, safe here because our transport throws on errors.
    const { result } = await this.call(() =>
      this.client.tickets._rawRequest('PUT', ['tickets', id], {
        ticket: { comment: { body: note.body, public: false } },
      }),
    );
    const answer = result as TicketUpdateAnswer;
    const comment = answer.audit?.events?.find((e) => e.type === 'Comment');
    if (!comment) {
      throw new TransientError('NO_COMMENT_IN_AUDIT', `Zendesk's answer to the note on ticket ${id} names no comment`);
    }
    return { noteId: String(comment.id), cut: note.cut };
  }

  async getTicket(ticketId: string): Promise<DeskTicket | undefined> {
    const id = ticketNumber(ticketId);
    let ticket: ZendeskTicket;
    try {
      ticket = zendeskTicket.parse((await this.call(() => this.client.tickets.show(id))).result);
    } catch (error) {
      if (error instanceof PermanentError && error.vendorCode === 'NOT_FOUND') return undefined;
      throw error;
    }
    const [comments, requester] = await this.call(() =>
      Promise.all([
        this.client.tickets.getComments(id) as Promise<ZendeskComment[]>,
        ticket.requester_id === null
          ? Promise.resolve(undefined)
          : this.client.users.show(ticket.requester_id).then((r) => zendeskUserExternalId.parse(r.result)),
      ]),
    );
    return {
      id: String(ticket.id),
      subject: ticket.subject ?? '',
      status: ticket.status,
      priority: ticket.priority,
      requesterExternalId: requester?.external_id ?? null,
      notes: comments.map((c) => ({ id: String(c.id), body: c.plain_body ?? c.body, private: !c.public })),
    };
  }

  /** Zendesk ids of the organizations with these external ids (case-insensitive keys), by `show_many`. */
  private async organizationIds(externalIds: string[]): Promise<Map<string, number>> {
    const found = (await this.client.organizations.showManyByExternalIds(externalIds)) as ZendeskOrganization[];
    return new Map(found.filter((o) => o.external_id).map((o) => [lower(o.external_id!), o.id]));
  }

  /**
   * Starts a bulk job and polls it to its end, then fills `outcomes[indexes[k]]` from result k (`index` in the
   * result when Zendesk gives it, else its position). A job that failed as a whole, or did not end within
   * `jobMaxPolls`, throws a TransientError: re-sending is safe, every write here is by external id.
   */
  private async runJob(
    start: () => Promise<unknown>,
    indexes: number[],
    outcomes: Outcome[],
    what: string,
    created: (item: NonNullable<JobStatus['results']>[number]) => boolean,
  ): Promise<void> {
    let job = ((await this.call(start)) as { result: { job_status: JobStatus } }).result.job_status;
    for (let polls = 0; job.status === 'queued' || job.status === 'working'; polls++) {
      if (polls >= this.maxPolls) {
        throw new TransientError(
          'JOB_TIMEOUT',
          `Zendesk job ${job.id} (${what}s) still ${job.status} after ${polls} polls`,
        );
      }
      await sleep(this.pollIntervalMs);
      const jobId = job.id;
      job = jobStatusAnswer.parse((await this.call(() => this.client.jobstatuses.show(jobId))).result).job_status;
    }
    if (job.status !== 'completed') {
      throw new TransientError(
        'JOB_FAILED',
        `Zendesk job ${job.id} (${what}s) ended ${job.status}: ${job.message ?? ''}`,
      );
    }
    (job.results ?? []).forEach((item, position) => {
      const k = typeof item.index === 'number' ? item.index : position;
      const target = indexes[k];
      if (target === undefined) return;
      const failed = item.error !== undefined || item.status === 'Failed' || typeof item.id !== 'number';
      outcomes[target] = failed
        ? { ok: false, error: mapJobItemFailure(item as ZendeskJobItemFailure, `${what} ${k}`) }
        : { ok: true, deskId: String(item.id), created: created(item) };
    });
  }

  /** Waits for every job; the first whole-call failure is thrown once all have ended (none left running). */
  private async settle(jobs: Array<Promise<void>>): Promise<void> {
    const settled = await Promise.allSettled(jobs);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw mapZendeskError(failure.reason);
  }

  /** Runs one node-zendesk call through the account's rate limit (a 429 waited out and sent again), mapping any failure (STYLE rule 5). */
  private call<T>(fn: () => Promise<T>): Promise<T> {
    return this.rateLimit.run(
      async () => {
        try {
          return await fn();
        } catch (error) {
          throw mapZendeskError(error);
        }
      },
      (error) =>
        error instanceof TransientError && error.code === 'HTTP_429' ? (error.retryAfterMs ?? 60_000) : undefined,
    );
  }

  private checkBatch(size: number): void {
    if (size > this.limits.maxBatchSize) {
      throw new RangeError(`at most ${this.limits.maxBatchSize} records per call, got ${size}`);
    }
  }
}

function notOnDesk(externalId: string): PermanentError {
  return new PermanentError(PermanentErrorCode.REJECTED_BY_TARGET, `no Zendesk organization ${externalId} yet`, {
    vendorCode: 'NOT_FOUND',
  });
}

/** An organization as Zendesk takes it: only external id, name, domains and the allow-listed context fields. */
function organizationPayload(record: DeskOrganization): Record<string, unknown> {
  const payload: Record<string, unknown> = { external_id: record.externalId };
  if (record.name !== undefined) payload['name'] = record.name;
  // Zendesk overwrites domain_names on update (saas-apis B1 [V]): sent only when the hub knows them.
  if (record.domains) payload['domain_names'] = record.domains;
  if (record.context) {
    const fields: Record<string, unknown> = {};
    // `organization_fields` is keyed by the key of the field an admin creates (Admin Center, People, Organization
    // fields; text, or numeric for the counts; saas-apis B1 [V]): only the port's allow-listed keys are ever sent.
    for (const [name, key] of Object.entries(DESK_CONTEXT_FIELD_KEYS) as Array<[keyof DeskContextFields, string]>) {
      const value = record.context[name];
      if (value !== undefined) fields[key] = value;
    }
    payload['organization_fields'] = fields;
  }
  return payload;
}

function personPayload(record: DeskPerson, organizationId: number | null): Record<string, unknown> {
  // No `role`: a new user is an end user by default (saas-apis B1 [V]), and one matched by email may be an agent.
  const payload: Record<string, unknown> = { external_id: record.externalId, name: record.name };
  // `email` is write-on-create and, on update, adds an identity (saas-apis B1 [V]): never sent as null.
  if (record.email) payload['email'] = record.email;
  if (record.phone !== undefined) payload['phone'] = record.phone;
  if (record.organizationExternalId !== undefined) payload['organization_id'] = organizationId;
  // An end user created by the hub gets no verification email.
  payload['skip_verify_email'] = true;
  return payload;
}

function ticketNumber(ticketId: string): number {
  if (!/^\d{1,16}$/.test(ticketId)) {
    throw new PermanentError(PermanentErrorCode.INVALID_RECORD, `not a Zendesk ticket id: '${ticketId.slice(0, 40)}'`);
  }
  return Number(ticketId);
}

function noResult(): DeskResult {
  return { ok: false, error: new TransientError('NO_JOB_RESULT', 'the Zendesk job reported nothing for this record') };
}

/** The transport node-zendesk calls: fetch with a timeout, failures thrown as typed errors (see the class TSDoc). */
async function zendeskFetch(
  uri: string,
  init: { method: string; headers: Record<string, string>; body?: string },
  timeoutMs: number,
): Promise<Response> {
  const route = `${init.method} ${new URL(uri).pathname}`;
  let response: Response;
  try {
    response = await fetch(uri, {
      method: init.method,
      headers: init.headers,
      body: init.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
    throw new ZendeskNetworkError(route, timedOut, { cause: error });
  }
  if (response.status < 400) return response;
  const text = await response.text().catch(() => '');
  let body: unknown = text;
  if (response.headers.get('content-type')?.includes('json')) {
    try {
      body = JSON.parse(text) as unknown;
    } catch {
      body = text;
    }
  }
  throw new ZendeskHttpError(response.status, body, parseRetryAfter(response.headers.get('retry-after')), route);
}
