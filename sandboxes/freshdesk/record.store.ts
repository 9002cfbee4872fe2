/**
 * The account's records and Freshdesk's rules on them: unique company names (409 `duplicate_value` on `name`),
 * unique contact emails and `unique_external_id`s (409 naming the holder in `additional_info.user_id`), a contact's
 * `company_id` that must exist, custom fields checked against the catalogue. Ids are integers counted per kind.
 */
import {
  dataTypeMismatch,
  duplicateValue,
  invalidField,
  invalidValue,
  missingField,
  notFound,
  validationFailed,
  type FieldError,
} from './freshdesk.errors';
import { MAX_TEXT_FIELD, type CustomFieldCatalogue } from './custom-field.catalogue';

export type CustomFields = Record<string, string | number | boolean | null>;

export interface Company {
  id: number;
  name: string;
  description: string | null;
  note: string | null;
  domains: string[];
  custom_fields: CustomFields;
  created_at: string;
  updated_at: string;
}

export interface Contact {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  mobile: string | null;
  company_id: number | null;
  unique_external_id: string | null;
  custom_fields: CustomFields;
  active: boolean;
  created_at: string;
  updated_at: string;
}

export interface Ticket {
  id: number;
  subject: string;
  description: string;
  description_text: string;
  status: number;
  priority: number;
  source: number;
  requester_id: number;
  company_id: number | null;
  custom_fields: CustomFields;
  tags: string[];
  created_at: string;
  updated_at: string;
}

export interface Conversation {
  id: number;
  ticket_id: number;
  body: string;
  body_text: string;
  private: boolean;
  incoming: boolean;
  /** 0 reply, 2 note (Freshdesk's conversation source codes). */
  source: number;
  user_id: number;
  created_at: string;
  updated_at: string;
}

type Body = Record<string, unknown>;

const COMPANY_FIELDS = [
  'name',
  'description',
  'note',
  'domains',
  'custom_fields',
  'health_score',
  'account_tier',
  'renewal_date',
  'industry',
];
const CONTACT_FIELDS = [
  'name',
  'email',
  'phone',
  'mobile',
  'company_id',
  'unique_external_id',
  'custom_fields',
  'job_title',
  'address',
  'description',
  'language',
  'time_zone',
  'tags',
  'twitter_id',
];
const TICKET_FIELDS = [
  'subject',
  'description',
  'status',
  'priority',
  'source',
  'requester_id',
  'email',
  'name',
  'phone',
  'unique_external_id',
  'company_id',
  'custom_fields',
  'type',
  'tags',
];
const STATUSES = [2, 3, 4, 5];

/** `tags` is an array of strings; anything else is Freshdesk's datatype_mismatch. */
function tagErrors(body: Body) {
  const tags = body['tags'];
  if (tags === undefined || (Array.isArray(tags) && tags.every((t) => typeof t === 'string'))) return [];
  return [dataTypeMismatch('tags', 'Array')];
}
const PRIORITIES = [1, 2, 3, 4];
const SOURCES = [1, 2, 3, 7, 9, 10];
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** The id of the API user (the agent whose key the hub uses), the author of its notes. */
export const API_AGENT_ID = 1;

export function htmlToText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div)>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n+$/, '');
}

export class RecordStore {
  readonly companies = new Map<number, Company>();
  readonly contacts = new Map<number, Contact>();
  readonly tickets = new Map<number, Ticket>();
  readonly conversations = new Map<number, Conversation>();
  private ids = { company: 0, contact: 0, ticket: 0, conversation: 0 };

  constructor(
    private readonly fields: CustomFieldCatalogue,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  clear(): void {
    this.companies.clear();
    this.contacts.clear();
    this.tickets.clear();
    this.conversations.clear();
    this.ids = { company: 0, contact: 0, ticket: 0, conversation: 0 };
  }

  private now(): string {
    return this.clock()
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z');
  }

  // ---------------------------------------------------------------- companies

  createCompany(body: Body): Company {
    const errors = this.checkCompany(body, true);
    if (errors.length) throw validationFailed(errors);
    this.assertCompanyNameFree(body['name'] as string);
    const now = this.now();
    const company: Company = {
      id: ++this.ids.company,
      name: body['name'] as string,
      description: (body['description'] as string | undefined) ?? null,
      note: (body['note'] as string | undefined) ?? null,
      domains: (body['domains'] as string[] | undefined) ?? [],
      custom_fields: this.withCustomFields('company', {}, body['custom_fields']),
      created_at: now,
      updated_at: now,
    };
    this.companies.set(company.id, company);
    return company;
  }

  updateCompany(id: number, body: Body): Company {
    const company = this.companies.get(id);
    if (!company) throw notFound();
    const errors = this.checkCompany(body, false);
    if (errors.length) throw validationFailed(errors);
    if (typeof body['name'] === 'string') this.assertCompanyNameFree(body['name'], id);
    Object.assign(company, {
      ...(body['name'] !== undefined ? { name: body['name'] } : {}),
      ...(body['description'] !== undefined ? { description: body['description'] } : {}),
      ...(body['note'] !== undefined ? { note: body['note'] } : {}),
      ...(body['domains'] !== undefined ? { domains: body['domains'] } : {}),
      custom_fields: this.withCustomFields('company', company.custom_fields, body['custom_fields']),
      updated_at: this.now(),
    });
    return company;
  }

  private assertCompanyNameFree(name: string, except?: number): void {
    // Freshdesk compares names without regard to case (a name differing only in case is refused too).
    const holder = [...this.companies.values()].find(
      (c) => c.name.toLowerCase() === name.toLowerCase() && c.id !== except,
    );
    if (holder) throw duplicateValue('name');
  }

  private checkCompany(body: Body, creating: boolean): FieldError[] {
    const errors = unknownFields(body, COMPANY_FIELDS);
    if (creating && body['name'] === undefined) errors.push(missingField('name'));
    if (body['name'] !== undefined && (typeof body['name'] !== 'string' || body['name'].trim() === '')) {
      errors.push(invalidValue('name', 'It should not be blank as this is a mandatory field'));
    }
    if (
      body['domains'] !== undefined &&
      !(Array.isArray(body['domains']) && body['domains'].every((d) => typeof d === 'string'))
    ) {
      errors.push(dataTypeMismatch('domains', 'Array'));
    }
    errors.push(...this.checkCustomFields('company', body['custom_fields']));
    return errors;
  }

  // ---------------------------------------------------------------- contacts

  createContact(body: Body): Contact {
    const errors = this.checkContact(body, true);
    if (errors.length) throw validationFailed(errors);
    this.assertContactKeysFree(body);
    const now = this.now();
    const contact: Contact = {
      id: ++this.ids.contact + 1000,
      name: body['name'] as string,
      email: normaliseEmail(body['email']),
      phone: (body['phone'] as string | undefined) ?? null,
      mobile: (body['mobile'] as string | undefined) ?? null,
      company_id: (body['company_id'] as number | undefined) ?? null,
      unique_external_id: (body['unique_external_id'] as string | undefined) ?? null,
      custom_fields: this.withCustomFields('contact', {}, body['custom_fields']),
      active: false,
      created_at: now,
      updated_at: now,
    };
    this.contacts.set(contact.id, contact);
    return contact;
  }

  updateContact(id: number, body: Body): Contact {
    const contact = this.contacts.get(id);
    if (!contact) throw notFound();
    const errors = this.checkContact(body, false);
    if (errors.length) throw validationFailed(errors);
    this.assertContactKeysFree(body, id);
    for (const key of ['name', 'phone', 'mobile', 'company_id', 'unique_external_id'] as const) {
      if (body[key] !== undefined) (contact as unknown as Body)[key] = body[key];
    }
    if (body['email'] !== undefined) contact.email = normaliseEmail(body['email']);
    contact.custom_fields = this.withCustomFields('contact', contact.custom_fields, body['custom_fields']);
    contact.updated_at = this.now();
    return contact;
  }

  findContacts(filter: {
    email?: string;
    unique_external_id?: string;
    company_id?: number;
    phone?: string;
    mobile?: string;
  }): Contact[] {
    return [...this.contacts.values()].filter(
      (c) =>
        (filter.email === undefined || c.email === filter.email.toLowerCase()) &&
        (filter.unique_external_id === undefined || c.unique_external_id === filter.unique_external_id) &&
        (filter.company_id === undefined || c.company_id === filter.company_id) &&
        (filter.phone === undefined || c.phone === filter.phone) &&
        (filter.mobile === undefined || c.mobile === filter.mobile),
    );
  }

  private assertContactKeysFree(body: Body, except?: number): void {
    const email = normaliseEmail(body['email']);
    const byEmail = email ? [...this.contacts.values()].find((c) => c.email === email && c.id !== except) : undefined;
    if (byEmail) throw duplicateValue('email', { user_id: byEmail.id });
    const ext = body['unique_external_id'];
    const byExt =
      typeof ext === 'string'
        ? [...this.contacts.values()].find((c) => c.unique_external_id === ext && c.id !== except)
        : undefined;
    if (byExt) throw duplicateValue('unique_external_id', { user_id: byExt.id });
  }

  private checkContact(body: Body, creating: boolean): FieldError[] {
    const errors = unknownFields(body, CONTACT_FIELDS);
    if (creating && body['name'] === undefined) errors.push(missingField('name'));
    if (body['name'] !== undefined && (typeof body['name'] !== 'string' || body['name'].trim() === '')) {
      errors.push(invalidValue('name', 'It should not be blank as this is a mandatory field'));
    }
    if (
      creating &&
      !['email', 'phone', 'mobile', 'twitter_id', 'unique_external_id'].some(
        (k) => body[k] !== undefined && body[k] !== null,
      )
    ) {
      errors.push({
        field: 'email',
        message: 'Please fill at least 1 of email, mobile, phone, twitter_id, unique_external_id fields',
        code: 'missing_field',
      });
    }
    const email = body['email'];
    if (email !== undefined && email !== null && (typeof email !== 'string' || !EMAIL.test(email))) {
      errors.push(invalidValue('email', "It should be in the 'valid email address' format"));
    }
    for (const key of ['phone', 'mobile', 'unique_external_id']) {
      const v = body[key];
      if (v !== undefined && v !== null && typeof v !== 'string') errors.push(dataTypeMismatch(key, 'String'));
    }
    const companyId = body['company_id'];
    if (companyId !== undefined && companyId !== null) {
      if (typeof companyId !== 'number' || !Number.isInteger(companyId))
        errors.push(dataTypeMismatch('company_id', 'Positive Integer'));
      else if (!this.companies.has(companyId)) {
        errors.push(invalidValue('company_id', 'There is no company matching the given company_id'));
      }
    }
    errors.push(...this.checkCustomFields('contact', body['custom_fields']));
    return errors;
  }

  // ---------------------------------------------------------------- tickets

  createTicket(body: Body): Ticket {
    const errors = unknownFields(body, TICKET_FIELDS);
    if (typeof body['subject'] !== 'string' || body['subject'].trim() === '') errors.push(missingField('subject'));
    if (typeof body['description'] !== 'string') errors.push(missingField('description'));
    errors.push(...ticketCodes(body));
    let requester: Contact | undefined;
    if (typeof body['requester_id'] === 'number') {
      requester = this.contacts.get(body['requester_id']);
      if (!requester) errors.push(invalidValue('requester_id', 'There is no contact matching the given requester_id'));
    } else if (typeof body['email'] === 'string') {
      if (!EMAIL.test(body['email']))
        errors.push(invalidValue('email', "It should be in the 'valid email address' format"));
    } else if (typeof body['unique_external_id'] === 'string') {
      requester = this.findContacts({ unique_external_id: body['unique_external_id'] })[0];
      if (!requester)
        errors.push(invalidValue('unique_external_id', 'There is no contact matching the given unique_external_id'));
    } else {
      errors.push({
        field: 'requester_id',
        message:
          'Please fill at least 1 of requester_id, phone, email, twitter_id, facebook_id, unique_external_id fields',
        code: 'missing_field',
      });
    }
    errors.push(...this.checkCustomFields('ticket', body['custom_fields']), ...tagErrors(body));
    if (errors.length) throw validationFailed(errors);
    if (!requester && typeof body['email'] === 'string') {
      // Freshdesk creates the requester of a ticket raised for an unknown email.
      requester =
        this.findContacts({ email: body['email'] })[0] ??
        this.createContact({
          name: typeof body['name'] === 'string' ? body['name'] : body['email'],
          email: body['email'],
        });
    }
    const now = this.now();
    const ticket: Ticket = {
      id: ++this.ids.ticket,
      subject: body['subject'] as string,
      description: body['description'] as string,
      description_text: htmlToText(body['description'] as string),
      status: (body['status'] as number | undefined) ?? 2,
      priority: (body['priority'] as number | undefined) ?? 1,
      source: (body['source'] as number | undefined) ?? 2,
      requester_id: requester!.id,
      company_id: (body['company_id'] as number | undefined) ?? requester!.company_id,
      custom_fields: this.withCustomFields(
        'ticket',
        Object.fromEntries(Object.keys(this.fields.ticket).map((k) => [k, null])),
        body['custom_fields'],
      ),
      tags: (body['tags'] as string[] | undefined) ?? [],
      created_at: now,
      updated_at: now,
    };
    this.tickets.set(ticket.id, ticket);
    return ticket;
  }

  updateTicket(id: number, body: Body): Ticket {
    const ticket = this.tickets.get(id);
    if (!ticket) throw notFound();
    const errors = unknownFields(body, TICKET_FIELDS);
    errors.push(...ticketCodes(body), ...this.checkCustomFields('ticket', body['custom_fields']), ...tagErrors(body));
    if (errors.length) throw validationFailed(errors);
    if (body['tags'] !== undefined) ticket.tags = body['tags'] as string[];
    for (const key of ['subject', 'status', 'priority', 'source'] as const) {
      if (body[key] !== undefined) (ticket as unknown as Body)[key] = body[key];
    }
    if (typeof body['description'] === 'string') {
      ticket.description = body['description'];
      ticket.description_text = htmlToText(body['description']);
    }
    ticket.custom_fields = this.withCustomFields('ticket', ticket.custom_fields, body['custom_fields']);
    ticket.updated_at = this.now();
    return ticket;
  }

  addNote(ticketId: number, body: Body): Conversation {
    const ticket = this.tickets.get(ticketId);
    if (!ticket) throw notFound();
    const errors = unknownFields(body, ['body', 'private', 'incoming', 'user_id', 'notify_emails']);
    if (typeof body['body'] !== 'string' || body['body'].trim() === '') errors.push(missingField('body'));
    if (body['private'] !== undefined && typeof body['private'] !== 'boolean')
      errors.push(dataTypeMismatch('private', 'Boolean'));
    if (errors.length) throw validationFailed(errors);
    const now = this.now();
    const note: Conversation = {
      id: ++this.ids.conversation + 5000,
      ticket_id: ticketId,
      body: body['body'] as string,
      body_text: htmlToText(body['body'] as string),
      // The reference documents `private` as defaulting to true.
      private: (body['private'] as boolean | undefined) ?? true,
      incoming: (body['incoming'] as boolean | undefined) ?? false,
      source: 2,
      user_id: (body['user_id'] as number | undefined) ?? API_AGENT_ID,
      created_at: now,
      updated_at: now,
    };
    this.conversations.set(note.id, note);
    ticket.updated_at = now;
    return note;
  }

  conversationsOf(ticketId: number): Conversation[] {
    if (!this.tickets.has(ticketId)) throw notFound();
    return [...this.conversations.values()].filter((c) => c.ticket_id === ticketId);
  }

  // ---------------------------------------------------------------- custom fields

  private checkCustomFields(kind: keyof CustomFieldCatalogue, value: unknown): FieldError[] {
    if (value === undefined) return [];
    if (value === null || typeof value !== 'object' || Array.isArray(value))
      return [dataTypeMismatch('custom_fields', 'key/value pair')];
    const errors: FieldError[] = [];
    for (const [key, v] of Object.entries(value)) {
      const type = this.fields[kind][key];
      if (!type) errors.push(invalidField(key));
      else if (v === null) continue;
      else if (type === 'number' && !(typeof v === 'number' && Number.isInteger(v)))
        errors.push(dataTypeMismatch(key, 'Integer'));
      else if (type === 'text' && typeof v !== 'string') errors.push(dataTypeMismatch(key, 'String'));
      else if (type === 'text' && (v as string).length > MAX_TEXT_FIELD) {
        errors.push(
          invalidValue(
            key,
            `Has ${(v as string).length} characters, it can have maximum of ${MAX_TEXT_FIELD} characters`,
          ),
        );
      }
    }
    return errors;
  }

  private withCustomFields(kind: keyof CustomFieldCatalogue, current: CustomFields, value: unknown): CustomFields {
    const all = Object.fromEntries(Object.keys(this.fields[kind]).map((k) => [k, current[k] ?? null]));
    return { ...all, ...((value as CustomFields | undefined) ?? {}) };
  }
}

function unknownFields(body: Body, allowed: string[]): FieldError[] {
  return Object.keys(body)
    .filter((k) => !allowed.includes(k))
    .map(invalidField);
}

function ticketCodes(body: Body): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, allowed] of [
    ['status', STATUSES],
    ['priority', PRIORITIES],
    ['source', SOURCES],
  ] as const) {
    const v = body[key];
    if (v !== undefined && !(allowed as readonly unknown[]).includes(v)) {
      errors.push(invalidValue(key, `It should be one of these values: '${allowed.join(',')}'`));
    }
  }
  return errors;
}

function normaliseEmail(value: unknown): string | null {
  return typeof value === 'string' ? value.toLowerCase() : null;
}
