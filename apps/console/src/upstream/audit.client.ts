import { fetchJson } from './upstream.errors';

/** An entry of the audit trail as projector-odoo's audit API answers it (`GET /audit/entries`): no values. */
export interface AuditEntry {
  id: string;
  occurredAt: string;
  kind: 'write' | 'operator-action';
  app: string;
  system: string | null;
  object: string | null;
  externalId: string | null;
  targetId: string | null;
  fields: { name: string; hash: string }[];
  canonicalId: string | null;
  eventId: string | null;
  sourceSystem: string | null;
  sourcePosition: string | null;
  traceId: string | null;
  outcome: string;
  reason: string | null;
  action: string | null;
  actor: string | null;
}

export interface AuditPage {
  entries: AuditEntry[];
  next: string | null;
}

/** projector-odoo's audit API, read server-side with the console's operator token (CONSOLE_OPERATOR_TOKEN). */
export class AuditClient {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /** One page of a record's history (`recordId`) or of a canonical record's writes (`canonicalId`). */
  find(query: { recordId?: string; canonicalId?: string; after?: string; limit?: number }): Promise<AuditPage> {
    const params = new URLSearchParams();
    if (query.recordId) params.set('recordId', query.recordId);
    if (query.canonicalId) params.set('canonicalId', query.canonicalId);
    if (query.after) params.set('after', query.after);
    params.set('limit', String(query.limit ?? 200));
    return fetchJson<AuditPage>(
      'projector-odoo',
      `${this.baseUrl}/audit/entries?${params}`,
      { method: 'GET', headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' } },
      this.timeoutMs,
    );
  }
}
