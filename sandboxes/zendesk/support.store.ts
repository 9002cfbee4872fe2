import { Failures, fieldError, ZendeskFailure, type FieldErrors } from './zendesk.errors';

/**
 * The account's records, in memory. Matching keys are Zendesk's: organizations by `id` or `external_id`, users by
 * `external_id` or `email`; external ids, emails and organization names compare case-insensitively
 * (saas-apis B1 [V]). Validation answers are Zendesk's 422 RecordInvalid details; their exact descriptions are [H]
 * where Zendesk's docs show none.
 */
export interface Organization {
  id: number;
  url: string;
  name: string;
  external_id: string | null;
  domain_names: string[];
  details: string | null;
  notes: string | null;
  tags: string[];
  group_id: number | null;
  shared_tickets: boolean;
  shared_comments: boolean;
  organization_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface User {
  id: number;
  url: string;
  name: string;
  email: string | null;
  phone: string | null;
  external_id: string | null;
  organization_id: number | null;
  role: 'end-user' | 'agent' | 'admin';
  active: boolean;
  verified: boolean;
  user_fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface Ticket {
  id: number;
  url: string;
  external_id: string | null;
  type: string | null;
  subject: string | null;
  description: string;
  status: TicketStatus;
  priority: TicketPriority | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  organization_id: number | null;
  group_id: number | null;
  tags: string[];
  custom_fields: Array<{ id: number; value: unknown }>;
  via: { channel: string };
  is_public: boolean;
  created_at: string;
  updated_at: string;
}

export interface Comment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  audit_id: number;
  attachments: [];
  created_at: string;
}

export const TICKET_STATUSES = ['new', 'open', 'pending', 'hold', 'solved', 'closed'] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];
export const TICKET_PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export type TicketPriority = (typeof TICKET_PRIORITIES)[number];

type Input = Record<string, unknown>;

export interface StoreOptions {
  baseUrl: () => string;
  clock: () => Date;
  maxCommentsPerTicket: number;
  /** Keys of the account's organization fields; other keys in `organization_fields` are dropped [H]. */
  organizationFieldKeys: readonly string[];
  customTicketFieldIds: readonly number[];
}

/** What a write did, for the stats and the webhooks. */
export type WriteKind = 'organization' | 'user' | 'ticket' | 'comment';

const lower = (v: string | null | undefined) => (v ?? '').toLowerCase();
const isText = (v: unknown): v is string => typeof v === 'string';
const optionalText = (v: unknown) => (v === undefined ? undefined : v === null ? null : isText(v) ? v : String(v));
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export class SupportStore {
  readonly organizations = new Map<number, Organization>();
  readonly users = new Map<number, User>();
  readonly tickets = new Map<number, Ticket>();
  readonly comments = new Map<number, Comment[]>();
  readonly writes: Record<WriteKind, number> = { organization: 0, user: 0, ticket: 0, comment: 0 };
  private nextId = 360_000_001_000;
  /** The API user (the token's owner), an agent: the submitter and author of what the API writes. */
  readonly apiUser: User;

  constructor(private readonly options: StoreOptions) {
    this.apiUser = this.newUser({ name: 'Hub Integration', email: null, role: 'admin' });
  }

  reset(): void {
    this.organizations.clear();
    this.users.clear();
    this.tickets.clear();
    this.comments.clear();
    for (const k of Object.keys(this.writes) as WriteKind[]) this.writes[k] = 0;
    this.users.set(this.apiUser.id, this.apiUser);
  }

  private id(): number {
    return this.nextId++;
  }

  private now(): string {
    return this.options
      .clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  private url(kind: string, id: number): string {
    return `${this.options.baseUrl()}/api/v2/${kind}/${id}.json`;
  }

  // ---------------------------------------------------------------- organizations

  findOrganizationByExternalId(externalId: string): Organization | undefined {
    const key = lower(externalId);
    for (const org of this.organizations.values())
      if (org.external_id !== null && lower(org.external_id) === key) return org;
    return undefined;
  }

  /** `create_or_update`: by `id`, else `external_id` (never by name). */
  upsertOrganization(input: Input): { record: Organization; created: boolean } {
    const existing =
      typeof input['id'] === 'number'
        ? this.organizations.get(input['id'])
        : isText(input['external_id'])
          ? this.findOrganizationByExternalId(input['external_id'])
          : undefined;
    if (typeof input['id'] === 'number' && !existing) throw Failures.notFound();
    return existing
      ? { record: this.updateOrganization(existing, input), created: false }
      : { record: this.createOrganization(input), created: true };
  }

  createOrganization(input: Input): Organization {
    const errors = this.organizationErrors(input, undefined);
    if (errors) throw Failures.recordInvalid(errors);
    const id = this.id();
    const now = this.now();
    const org: Organization = {
      id,
      url: this.url('organizations', id),
      name: String(input['name']).trim(),
      external_id: optionalText(input['external_id']) ?? null,
      domain_names: Array.isArray(input['domain_names']) ? (input['domain_names'] as string[]) : [],
      details: optionalText(input['details']) ?? null,
      notes: optionalText(input['notes']) ?? null,
      tags: Array.isArray(input['tags']) ? (input['tags'] as string[]) : [],
      group_id: null,
      shared_tickets: false,
      shared_comments: false,
      organization_fields: this.organizationFields({}, input['organization_fields']),
      created_at: now,
      updated_at: now,
    };
    this.organizations.set(id, org);
    this.writes.organization++;
    return org;
  }

  updateOrganization(org: Organization, input: Input): Organization {
    const errors = this.organizationErrors(input, org);
    if (errors) throw Failures.recordInvalid(errors);
    if (input['name'] !== undefined) org.name = String(input['name']).trim();
    if (input['external_id'] !== undefined) org.external_id = optionalText(input['external_id']) ?? null;
    // Updating an organization overwrites domain_names (saas-apis B1 [V]).
    if (input['domain_names'] !== undefined) org.domain_names = (input['domain_names'] as string[] | null) ?? [];
    if (input['details'] !== undefined) org.details = optionalText(input['details']) ?? null;
    if (input['notes'] !== undefined) org.notes = optionalText(input['notes']) ?? null;
    if (input['tags'] !== undefined) org.tags = (input['tags'] as string[] | null) ?? [];
    if (input['organization_fields'] !== undefined) {
      org.organization_fields = this.organizationFields(org.organization_fields, input['organization_fields']);
    }
    org.updated_at = this.now();
    this.writes.organization++;
    return org;
  }

  private organizationFields(current: Record<string, unknown>, input: unknown): Record<string, unknown> {
    const fields: Record<string, unknown> = { ...current };
    for (const key of this.options.organizationFieldKeys) if (!(key in fields)) fields[key] = null;
    if (input && typeof input === 'object' && !Array.isArray(input)) {
      for (const [key, value] of Object.entries(input))
        if (this.options.organizationFieldKeys.includes(key)) fields[key] = value;
    }
    return fields;
  }

  private organizationErrors(input: Input, existing: Organization | undefined): FieldErrors | undefined {
    const errors: FieldErrors = {};
    const name = input['name'];
    if (!existing || name !== undefined) {
      if (!isText(name) || name.trim() === '')
        Object.assign(errors, fieldError('name', 'BlankValue', 'Name: cannot be blank'));
      else {
        for (const other of this.organizations.values()) {
          if (other !== existing && lower(other.name) === lower(name.trim())) {
            Object.assign(errors, fieldError('name', 'DuplicateValue', `Name: ${name} has already been taken`));
          }
        }
      }
    }
    const ext = input['external_id'];
    if (isText(ext)) {
      const owner = this.findOrganizationByExternalId(ext);
      if (owner && owner !== existing) {
        Object.assign(errors, fieldError('external_id', 'DuplicateValue', `External: ${ext} has already been taken`));
      }
    }
    const domains = input['domain_names'];
    if (domains !== undefined && domains !== null && (!Array.isArray(domains) || !domains.every(isText))) {
      Object.assign(errors, fieldError('domain_names', 'InvalidValue', 'Domain names: must be an array of strings'));
    }
    return Object.keys(errors).length ? errors : undefined;
  }

  // ---------------------------------------------------------------- users

  findUserByExternalId(externalId: string): User | undefined {
    const key = lower(externalId);
    for (const user of this.users.values())
      if (user.external_id !== null && lower(user.external_id) === key) return user;
    return undefined;
  }

  findUserByEmail(email: string): User | undefined {
    const key = lower(email);
    for (const user of this.users.values()) if (user.email !== null && lower(user.email) === key) return user;
    return undefined;
  }

  /** `create_or_update`: by `external_id`, else `email` (saas-apis B1 [V]); 201 created, 200 updated. */
  upsertUser(input: Input): { record: User; created: boolean } {
    const existing =
      (isText(input['external_id']) ? this.findUserByExternalId(input['external_id']) : undefined) ??
      (isText(input['email']) ? this.findUserByEmail(input['email']) : undefined);
    if (existing) return { record: this.updateUser(existing, input), created: false };
    const errors = this.userErrors(input, undefined);
    if (errors) throw Failures.recordInvalid(errors);
    const user = this.newUser({
      name: String(input['name']).trim(),
      email: optionalText(input['email']) ?? null,
      role: 'end-user',
    });
    user.phone = optionalText(input['phone']) ?? null;
    user.external_id = optionalText(input['external_id']) ?? null;
    user.organization_id = (input['organization_id'] as number | null | undefined) ?? null;
    this.writes.user++;
    return { record: user, created: true };
  }

  private newUser(fields: Pick<User, 'name' | 'email' | 'role'>): User {
    const id = this.id();
    const now = this.now();
    const user: User = {
      id,
      url: this.url('users', id),
      phone: null,
      external_id: null,
      organization_id: null,
      active: true,
      verified: false,
      user_fields: {},
      created_at: now,
      updated_at: now,
      ...fields,
    };
    this.users.set(id, user);
    return user;
  }

  updateUser(user: User, input: Input): User {
    const errors = this.userErrors(input, user);
    if (errors) throw Failures.recordInvalid(errors);
    if (input['name'] !== undefined) user.name = String(input['name']).trim();
    // The stored external_id takes the request's casing (saas-apis B1 [V]).
    if (input['external_id'] !== undefined) user.external_id = optionalText(input['external_id']) ?? null;
    // `email` is write-on-create; on update it adds a secondary identity (saas-apis B1 [V]): the primary stays.
    if (user.email === null && isText(input['email'])) user.email = input['email'];
    if (input['phone'] !== undefined) user.phone = optionalText(input['phone']) ?? null;
    if (input['organization_id'] !== undefined)
      user.organization_id = (input['organization_id'] as number | null) ?? null;
    user.updated_at = this.now();
    this.writes.user++;
    return user;
  }

  private userErrors(input: Input, existing: User | undefined): FieldErrors | undefined {
    const errors: FieldErrors = {};
    const name = input['name'];
    if (!existing || name !== undefined) {
      if (!isText(name) || name.trim() === '') {
        Object.assign(errors, fieldError('name', 'BlankValue', 'Name: is too short (minimum is 1 character)'));
      }
    }
    const email = input['email'];
    if (email !== undefined && email !== null && (!isText(email) || !EMAIL.test(email))) {
      Object.assign(errors, fieldError('email', 'InvalidFormat', `Email: ${String(email)} is not properly formatted`));
    } else if (isText(email) && !existing) {
      const owner = this.findUserByEmail(email);
      if (owner)
        Object.assign(
          errors,
          fieldError('email', 'DuplicateValue', `Email: ${email} is already being used by another user`),
        );
    }
    const orgId = input['organization_id'];
    if (orgId !== undefined && orgId !== null && (typeof orgId !== 'number' || !this.organizations.has(orgId))) {
      Object.assign(errors, fieldError('organization_id', 'InvalidValue', 'Organization: is invalid'));
    }
    return Object.keys(errors).length ? errors : undefined;
  }

  // ---------------------------------------------------------------- tickets

  /** `POST /tickets`: `comment.body` is the description and first comment; a requester by id or {name, email}. */
  createTicket(input: Input): { ticket: Ticket; comment: Comment } {
    const errors: FieldErrors = {};
    const comment = input['comment'] as Input | undefined;
    const body =
      comment &&
      (isText(comment['body']) ? comment['body'] : isText(comment['html_body']) ? comment['html_body'] : undefined);
    if (!body || body.trim() === '')
      Object.assign(errors, fieldError('description', 'BlankValue', 'Description: cannot be blank'));
    let requester: User | undefined;
    if (typeof input['requester_id'] === 'number') requester = this.users.get(input['requester_id']);
    else if (input['requester'] && typeof input['requester'] === 'object') {
      const r = input['requester'] as Input;
      requester = isText(r['email']) ? this.findUserByEmail(r['email']) : undefined;
      if (!requester && isText(r['email']) && EMAIL.test(r['email'])) {
        requester = this.upsertUser({ name: r['name'] ?? r['email'], email: r['email'] }).record;
      }
    } else requester = this.apiUser;
    if (!requester) Object.assign(errors, fieldError('requester', 'InvalidValue', 'Requester: is invalid'));
    Object.assign(errors, this.ticketFieldErrors(input));
    if (Object.keys(errors).length) throw Failures.recordInvalid(errors);
    const id = this.id();
    const now = this.now();
    const ticket: Ticket = {
      id,
      url: this.url('tickets', id),
      external_id: optionalText(input['external_id']) ?? null,
      type: optionalText(input['type']) ?? null,
      subject: optionalText(input['subject']) ?? null,
      description: body as string,
      status: (input['status'] as TicketStatus | undefined) ?? 'new',
      priority: (input['priority'] as TicketPriority | undefined) ?? null,
      requester_id: requester!.id,
      submitter_id: this.apiUser.id,
      assignee_id: null,
      organization_id: (input['organization_id'] as number | undefined) ?? requester!.organization_id,
      group_id: null,
      tags: Array.isArray(input['tags']) ? (input['tags'] as string[]) : [],
      custom_fields: this.options.customTicketFieldIds.map((fid) => ({ id: fid, value: null })),
      via: { channel: 'api' },
      is_public: comment?.['public'] !== false,
      created_at: now,
      updated_at: now,
    };
    this.applyCustomFields(ticket, input['custom_fields']);
    this.tickets.set(id, ticket);
    this.comments.set(id, []);
    const first = this.addComment(ticket, body as string, comment?.['public'] !== false);
    this.writes.ticket++;
    return { ticket, comment: first };
  }

  /**
   * `PUT /tickets/{id}`: fields and, with `comment`, one new comment (`public: false` is an internal note). Past
   * `maxCommentsPerTicket` comments a new one is refused with 422 while other changes alone still go through
   * (ticket_comments page [V]).
   */
  updateTicket(id: number, input: Input): { ticket: Ticket; comment?: Comment; changed: Array<keyof Ticket> } {
    const ticket = this.tickets.get(id);
    if (!ticket) throw Failures.notFound();
    const errors: FieldErrors = this.ticketFieldErrors(input) ?? {};
    const comment = input['comment'] as Input | undefined;
    if (comment !== undefined) {
      const body = comment['body'] ?? comment['html_body'];
      if (!isText(body) || body.trim() === '')
        Object.assign(errors, fieldError('comment', 'BlankValue', 'Comment: cannot be blank'));
      else if ((this.comments.get(id)?.length ?? 0) >= this.options.maxCommentsPerTicket) {
        Object.assign(
          errors,
          fieldError(
            'base',
            'TooManyComments',
            `Ticket has reached the limit of ${this.options.maxCommentsPerTicket} comments`,
          ),
        );
      }
    }
    if (Object.keys(errors).length) throw Failures.recordInvalid(errors);
    const changed: Array<keyof Ticket> = [];
    for (const key of ['subject', 'status', 'priority', 'type', 'external_id'] as const) {
      if (input[key] !== undefined && input[key] !== ticket[key]) {
        (ticket as unknown as Input)[key] = input[key];
        changed.push(key);
      }
    }
    if (input['custom_fields'] !== undefined && this.applyCustomFields(ticket, input['custom_fields']))
      changed.push('custom_fields');
    const added = comment
      ? this.addComment(ticket, String(comment['body'] ?? comment['html_body']), comment['public'] !== false)
      : undefined;
    ticket.updated_at = this.now();
    this.writes.ticket++;
    return { ticket, comment: added, changed };
  }

  private ticketFieldErrors(input: Input): FieldErrors | undefined {
    const errors: FieldErrors = {};
    const status = input['status'];
    if (status !== undefined && !TICKET_STATUSES.includes(status as TicketStatus)) {
      Object.assign(errors, fieldError('status', 'InvalidValue', `Status: ${String(status)} is not valid`));
    }
    const priority = input['priority'];
    if (priority !== undefined && priority !== null && !TICKET_PRIORITIES.includes(priority as TicketPriority)) {
      Object.assign(errors, fieldError('priority', 'InvalidValue', `Priority: ${String(priority)} is not valid`));
    }
    const fields = input['custom_fields'];
    if (fields !== undefined && !Array.isArray(fields)) {
      Object.assign(errors, fieldError('custom_fields', 'InvalidValue', 'Custom fields: must be an array'));
    }
    return Object.keys(errors).length ? errors : undefined;
  }

  /** Sets the account's custom ticket fields by id; ids of fields the account lacks are ignored [H]. */
  private applyCustomFields(ticket: Ticket, input: unknown): boolean {
    if (!Array.isArray(input)) return false;
    let changed = false;
    for (const item of input as Input[]) {
      const field = ticket.custom_fields.find((f) => f.id === item['id']);
      if (field && field.value !== item['value']) {
        field.value = item['value'] ?? null;
        changed = true;
      }
    }
    return changed;
  }

  private addComment(ticket: Ticket, body: string, isPublic: boolean): Comment {
    const comment: Comment = {
      id: this.id(),
      type: 'Comment',
      author_id: this.apiUser.id,
      body,
      html_body: `<div class="zd-comment"><p>${escapeHtml(body)}</p></div>`,
      plain_body: body,
      public: isPublic,
      audit_id: this.id(),
      attachments: [],
      created_at: this.now(),
    };
    this.comments.get(ticket.id)!.push(comment);
    this.writes.comment++;
    return comment;
  }

  customFieldValue(ticket: Ticket, fieldId: number): unknown {
    return ticket.custom_fields.find((f) => f.id === fieldId)?.value ?? null;
  }
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
}

export { ZendeskFailure };
