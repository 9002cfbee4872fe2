import { z } from 'zod';

/** A query of the trail: by record (its history), by canonical id, or by time range; paged by entry id. */
export interface AuditQuery {
  /** Any id of a record (external id, target id, alias): its entries and those of the records that reference it. */
  recordId?: string;
  /** The canonical record the writes came from (`odoo-sale-order-42`). */
  canonicalId?: string;
  from?: Date;
  to?: Date;
  /** Entries after this one (the previous page's `next`). */
  after?: string;
  limit: number;
}

export const MAX_PAGE = 500;

const id = (name: string) =>
  z
    .string({ invalid_type_error: `${name} must be given once` })
    .trim()
    .min(1, `${name} must not be empty`)
    .max(200, `${name} is longer than 200 characters`);

const instant = (name: string) =>
  z
    .string({ invalid_type_error: `${name} must be given once` })
    .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), {
      message: `${name} must be an ISO 8601 date or time, e.g. 2026-01-31T12:00:00Z`,
    })
    .transform((s) => new Date(s));

const schema = z
  .object({
    recordId: id('recordId').optional(),
    canonicalId: id('canonicalId').optional(),
    from: instant('from').optional(),
    to: instant('to').optional(),
    after: z
      .string({ invalid_type_error: 'after must be given once' })
      .regex(/^\d{1,18}$/, 'after must be the `next` of a previous page')
      .optional(),
    limit: z
      .string({ invalid_type_error: 'limit must be given once' })
      .regex(/^\d+$/, `limit must be a whole number from 1 to ${MAX_PAGE}`)
      .transform(Number)
      .pipe(
        z
          .number()
          .min(1, `limit must be a whole number from 1 to ${MAX_PAGE}`)
          .max(MAX_PAGE, `limit must be a whole number from 1 to ${MAX_PAGE}`),
      )
      .optional(),
  })
  .strict();

/** A query string that is not a valid audit query: `parameter` names the first bad one. */
export class AuditQueryError extends Error {
  constructor(
    readonly parameter: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Parses the query API's parameters. At least one of recordId, canonicalId, from or to is required (the trail is
 * not listed whole); from must not be after to; an unknown parameter is refused, so a typo never widens a query.
 */
export function parseAuditQuery(raw: Record<string, unknown>): AuditQuery {
  const result = schema.safeParse(raw ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    if (issue.code === 'unrecognized_keys') {
      const name = issue.keys[0];
      throw new AuditQueryError(
        name,
        `unknown parameter ${name}: expected recordId, canonicalId, from, to, limit or after`,
      );
    }
    const name = String(issue.path[0] ?? 'query');
    throw new AuditQueryError(name, issue.message.startsWith(name) ? issue.message : `${name}: ${issue.message}`);
  }
  const q = result.data;
  if (!q.recordId && !q.canonicalId && !q.from && !q.to) {
    throw new AuditQueryError('recordId', 'give recordId, canonicalId, or a time range (from, to)');
  }
  if (q.from && q.to && q.from > q.to) throw new AuditQueryError('from', 'from must not be after to');
  return { ...q, limit: q.limit ?? 100 };
}
