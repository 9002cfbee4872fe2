import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import {
  DESK_CONTEXT_FIELD_KEYS,
  cutNote,
  SupportDesk,
  type DeskContextFields,
  type DeskLimits,
  type DeskNoteResult,
  type DeskOrganization,
  type DeskPerson,
  type DeskPlatform,
  type DeskResult,
  type DeskTicket,
} from '../support-desk.port';
import {
  FreshdeskApiClient,
  FreshdeskHttpError,
  type FreshdeskCompany,
  type FreshdeskCompanyInput,
  type FreshdeskContactInput,
  type FreshdeskCustomFields,
} from './freshdesk.client';
import { isRecordError, mapFreshdeskError } from './freshdesk-error.mapper';

/**
 * The company custom fields the hub writes (an admin creates them under Admin, Company fields): `hub_external_id`
 * single-line text, and the context fields named by DESK_CONTEXT_FIELD_KEYS (the counts as numbers, the rest
 * single-line text). Nothing outside the port's allow-list is ever sent.
 */
export const COMPANY_EXTERNAL_ID_FIELD = 'hub_external_id';
/** Freshdesk's single-line text field holds 255 characters; longer context text is cut, not refused. */
export const MAX_TEXT_FIELD = 255;

/**
 * Freshdesk documents no limit on a note's `body` that we could find. 20,000 characters of plain text is our own
 * bound: long enough for any hub note, short enough that the HTML (escaped, `<br>` per line) stays a reasonable
 * request; a longer note is cut by the port's rule.
 */
export const FRESHDESK_MAX_NOTE_LENGTH = 20_000;

/** The characters an external id may hold: it goes into a search query between single quotes. */
const SAFE_EXTERNAL_ID = /^[A-Za-z0-9._:@/-]{1,255}$/;

const STATUS: Record<number, string> = { 2: 'open', 3: 'pending', 4: 'resolved', 5: 'closed' };
const PRIORITY: Record<number, string> = { 1: 'low', 2: 'medium', 3: 'high', 4: 'urgent' };
const CONVERSATIONS_PER_PAGE = 100;
const MAX_CONVERSATION_PAGES = 10;
/** A person whose organization the search does not show yet: its upsert, or the search index, is still on its way. */
const PARENT_RETRY_MS = 30_000;

/**
 * {@link SupportDesk} on the Freshdesk API v2 (the only file with Freshdesk's semantics; the wire is in
 * {@link FreshdeskApiClient}).
 *
 * Freshdesk has no upsert and no bulk endpoint for companies or contacts, so `maxBatchSize` is 1 and an upsert is a
 * lookup then `PUT` or `POST`:
 * - a company is found by its custom field `hub_external_id` through the filter API
 *   (`GET /search/companies?query="hub_external_id:'…'"`). That index lags "a few minutes" behind writes, so a
 *   re-send soon after a lost answer may not see the company and `POST` again: company names are unique, the `POST`
 *   is then a 409 `duplicate_value` on `name`, and the adapter finds the holder by name (autocomplete), checks its
 *   `hub_external_id` and updates it. A different company holding the name is that record's PermanentError.
 * - a contact is found by `unique_external_id` through the list filter (`GET /contacts?unique_external_id=…`, not the
 *   search index; used by public integrations, absent from the third-party mirror of the filter list we read). A 409
 *   on `POST` names the holder (`additional_info.user_id`): the same external id (a concurrent create) is updated;
 *   the same email held by a contact without an external id (Freshdesk created it from an email ticket) is adopted;
 *   an email held by another external id is that record's PermanentError.
 *
 * A record's own refusal (400, 404, 409) is its result; anything else (429, 5xx, network, 401/403) fails the whole
 * call, which is safe to re-send: every step is idempotent by external id.
 */
export class FreshdeskSupportDeskAdapter extends SupportDesk {
  readonly platform: DeskPlatform = 'freshdesk';
  readonly limits: DeskLimits = { maxBatchSize: 1, maxNoteLength: FRESHDESK_MAX_NOTE_LENGTH };

  constructor(private readonly api: FreshdeskApiClient) {
    super();
  }

  upsertOrganizations(records: DeskOrganization[]): Promise<DeskResult[]> {
    return this.eachRecord(records, (record) => this.upsertOrganization(record));
  }

  upsertPeople(records: DeskPerson[]): Promise<DeskResult[]> {
    return this.eachRecord(records, (record) => this.upsertPerson(record));
  }

  async addPrivateNote(ticketId: string, body: string): Promise<DeskNoteResult> {
    const id = ticketNumber(ticketId);
    if (id === undefined) {
      throw new PermanentError(
        PermanentErrorCode.REJECTED_BY_TARGET,
        `no Freshdesk ticket ${JSON.stringify(ticketId)}`,
        {
          vendorCode: 'NOT_FOUND',
        },
      );
    }
    const fitted = cutNote(body, this.limits.maxNoteLength);
    try {
      const note = await this.api.createNote(id, { body: toHtml(fitted.body), private: true });
      return { noteId: String(note.id), cut: fitted.cut };
    } catch (error) {
      throw mapFreshdeskError(error);
    }
  }

  async getTicket(ticketId: string): Promise<DeskTicket | undefined> {
    const id = ticketNumber(ticketId);
    if (id === undefined) return undefined;
    try {
      const ticket = await this.api.getTicket(id);
      const notes: DeskTicket['notes'] = [];
      for (let page = 1; page <= MAX_CONVERSATION_PAGES; page++) {
        const batch = await this.api.listConversations(id, page, CONVERSATIONS_PER_PAGE);
        notes.push(...batch.map((c) => ({ id: String(c.id), body: c.body_text, private: c.private })));
        if (batch.length < CONVERSATIONS_PER_PAGE) break;
      }
      const requester = await this.api.getContact(ticket.requester_id).catch((error: unknown) => {
        if (error instanceof FreshdeskHttpError && error.status === 404) return undefined;
        throw error;
      });
      return {
        id: String(ticket.id),
        subject: ticket.subject,
        status: STATUS[ticket.status] ?? String(ticket.status),
        priority: PRIORITY[ticket.priority] ?? null,
        requesterExternalId: requester?.unique_external_id ?? null,
        notes,
      };
    } catch (error) {
      if (error instanceof FreshdeskHttpError && error.status === 404) return undefined;
      throw mapFreshdeskError(error);
    }
  }

  // ---------------------------------------------------------------- organizations

  private async upsertOrganization(record: DeskOrganization): Promise<DeskResult> {
    const input = companyInput(record);
    const existing = await this.findCompany(record.externalId);
    if (existing) return updated((await this.api.updateCompany(existing.id, input)).id);
    const name = record.name;
    if (name === undefined) {
      // A context-only update of a company Freshdesk does not have: its creation has not landed yet.
      return {
        ok: false,
        error: new PermanentError(
          PermanentErrorCode.REJECTED_BY_TARGET,
          `no Freshdesk company ${record.externalId} yet`,
          {
            vendorCode: 'NOT_FOUND',
          },
        ),
      };
    }
    try {
      return created((await this.api.createCompany(input)).id);
    } catch (error) {
      if (!isDuplicate(error, 'name')) throw error;
      // The search index may not show a company created moments ago: the name tells who holds it.
      const holder = (await this.findCompany(record.externalId)) ?? (await this.companyNamed(name));
      if (holder?.custom_fields?.[COMPANY_EXTERNAL_ID_FIELD] === record.externalId) {
        return updated((await this.api.updateCompany(holder.id, input)).id);
      }
      throw error;
    }
  }

  private async findCompany(externalId: string): Promise<FreshdeskCompany | undefined> {
    const { results } = await this.api.searchCompanies(`${COMPANY_EXTERNAL_ID_FIELD}:'${externalId}'`);
    const hits = results.filter((c) => c.custom_fields?.[COMPANY_EXTERNAL_ID_FIELD] === externalId);
    if (hits.length > 1) {
      throw new PermanentError(
        PermanentErrorCode.REJECTED_BY_TARGET,
        `Freshdesk holds ${hits.length} companies with ${COMPANY_EXTERNAL_ID_FIELD} ${externalId} (ids ${hits.map((c) => c.id).join(', ')}): merge them`,
        { vendorCode: 'AMBIGUOUS_EXTERNAL_ID' },
      );
    }
    return hits[0];
  }

  private async companyNamed(name: string): Promise<FreshdeskCompany | undefined> {
    const { companies } = await this.api.autocompleteCompanies(name);
    const match = companies.find((c) => c.name.toLowerCase() === name.toLowerCase());
    return match ? this.api.getCompany(match.id) : undefined;
  }

  // ---------------------------------------------------------------- people

  private async upsertPerson(record: DeskPerson): Promise<DeskResult> {
    let companyId: number | undefined;
    if (record.organizationExternalId) {
      checkExternalId(record.organizationExternalId);
      const company = await this.findCompany(record.organizationExternalId);
      if (!company) {
        return {
          ok: false,
          error: new TransientError(
            'PARENT_NOT_FOUND_YET',
            `no Freshdesk company with ${COMPANY_EXTERNAL_ID_FIELD} ${record.organizationExternalId} (yet: the search index lags behind writes)`,
            { retryAfterMs: PARENT_RETRY_MS },
          ),
        };
      }
      companyId = company.id;
    }
    const input = contactInput(record, companyId);
    const [existing] = await this.api.listContacts({ unique_external_id: record.externalId });
    if (existing) return updated((await this.api.updateContact(existing.id, input)).id);
    try {
      return created((await this.api.createContact(input)).id);
    } catch (error) {
      const holderId = duplicateHolder(error, 'unique_external_id') ?? duplicateHolder(error, 'email');
      if (holderId === undefined) throw error;
      const holder = await this.api.getContact(holderId);
      if (holder.unique_external_id !== null && holder.unique_external_id !== record.externalId) throw error;
      return updated((await this.api.updateContact(holder.id, input)).id);
    }
  }

  // ---------------------------------------------------------------- shared

  /** Runs the records one after another: a record's refusal is its result, any other failure the call's. */
  private async eachRecord<T extends { externalId: string }>(
    records: T[],
    upsert: (record: T) => Promise<DeskResult>,
  ): Promise<DeskResult[]> {
    if (records.length > this.limits.maxBatchSize) {
      throw new RangeError(`Freshdesk takes ${this.limits.maxBatchSize} record(s) per call, got ${records.length}`);
    }
    const results: DeskResult[] = [];
    for (const record of records) {
      try {
        checkExternalId(record.externalId);
        results.push(await upsert(record));
      } catch (error) {
        const mapped = mapFreshdeskError(error);
        if (mapped instanceof PermanentError && (isRecordError(mapped) || mapped.cause === undefined)) {
          results.push({ ok: false, error: mapped });
        } else {
          throw mapped;
        }
      }
    }
    return results;
  }
}

function companyInput(record: DeskOrganization): FreshdeskCompanyInput {
  const custom: FreshdeskCustomFields = { [COMPANY_EXTERNAL_ID_FIELD]: record.externalId };
  for (const [key, field] of Object.entries(DESK_CONTEXT_FIELD_KEYS) as Array<[keyof DeskContextFields, string]>) {
    const value = record.context?.[key];
    if (value === undefined) continue;
    if (value === null) custom[field] = null;
    // Freshdesk's number fields take integers; the counts are integers already, this only guards the type.
    else if (typeof value === 'number') custom[field] = Math.round(value);
    else custom[field] = value.length > MAX_TEXT_FIELD ? value.slice(0, MAX_TEXT_FIELD - 1) + '…' : value;
  }
  return {
    ...(record.name !== undefined ? { name: record.name } : {}),
    ...(record.domains ? { domains: record.domains } : {}),
    custom_fields: custom,
  };
}

/** `null` fields are left out, not cleared: Freshdesk refuses a contact left without email, phone and external id. */
function contactInput(record: DeskPerson, companyId: number | undefined): FreshdeskContactInput {
  return {
    name: record.name,
    unique_external_id: record.externalId,
    ...(record.email ? { email: record.email } : {}),
    ...(record.phone ? { phone: record.phone } : {}),
    ...(companyId !== undefined ? { company_id: companyId } : {}),
  };
}

function checkExternalId(externalId: string): void {
  if (!SAFE_EXTERNAL_ID.test(externalId)) {
    throw new PermanentError(
      PermanentErrorCode.INVALID_RECORD,
      `external id ${JSON.stringify(externalId)} has characters a Freshdesk search query cannot carry`,
    );
  }
}

function isDuplicate(error: unknown, field: string): boolean {
  return (
    error instanceof FreshdeskHttpError &&
    error.status === 409 &&
    error.fieldErrors.some((e) => e.field === field && e.code === 'duplicate_value')
  );
}

function duplicateHolder(error: unknown, field: string): number | undefined {
  if (!isDuplicate(error, field)) return undefined;
  const item = (error as FreshdeskHttpError).fieldErrors.find((e) => e.field === field);
  const id = item?.additional_info?.user_id;
  return typeof id === 'number' ? id : undefined;
}

function ticketNumber(ticketId: string): number | undefined {
  return /^\d{1,15}$/.test(ticketId) ? Number(ticketId) : undefined;
}

/** The note's plain text as the HTML `body` Freshdesk takes: escaped, one `<br>` per line break. */
export function toHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/\r?\n/g, '<br>');
}

const created = (id: number): DeskResult => ({ ok: true, deskId: String(id), created: true });
const updated = (id: number): DeskResult => ({ ok: true, deskId: String(id), created: false });
