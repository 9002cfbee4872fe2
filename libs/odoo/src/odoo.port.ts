/** An Odoo domain in prefix notation, e.g. `[['vat', '=', 'BE0477472701'], ['active', 'in', [true, false]]]`. */
export type OdooDomain = ReadonlyArray<unknown>;

/** Field values as the ORM takes them (many2one as an id, one2many as command tuples, `false` for empty). */
export type OdooValues = Record<string, unknown>;

/** A record as `search_read` answers it: `id` always, a many2one as `[id, display name]`, `false` for empty. */
export type OdooRecord = { id: number } & Record<string, unknown>;

export interface SearchReadOptions {
  limit?: number;
  order?: string;
  /** Include archived records (`active_test: false`). */
  withArchived?: boolean;
}

/**
 * The hub's view of one Odoo database, in the hub's terms (STYLE rule 9). One adapter per wire format (JSON-2 on
 * Odoo 19, JSON-RPC on 17/18); each call runs as the hub's own Odoo user, so Odoo stamps its writes with that user's
 * `write_uid` and odoo-cdc recognises them when they come back through Debezium.
 *
 * Guarantees: each call is one Odoo transaction (committed whole or not at all). `create` is not idempotent by
 * itself: callers make it so with an external id (`ir.model.data`, looked up before and recorded with the record).
 * A call that timed out may still have been committed.
 *
 * Errors: TransientError for what a retry can fix (HTTP 5xx, 429 with its Retry-After, a connection reset or timeout,
 * PostgreSQL serialization failures, deadlocks and lock timeouts that outlived Odoo's own five tries); Odoo being
 * unreachable (connection refused, 502/503) also sets `targetUnavailable`, so consumption pauses instead of spending
 * the record's retries. PermanentError (REJECTED_BY_TARGET) with Odoo's message and the exception's name as
 * `vendorCode` (`odoo.exceptions.ValidationError`, `UserError`, `AccessError`, `MissingError`, `builtins.ValueError`,
 * werkzeug 4xx) for what it cannot. A refused API key is permanent too, and its message says a person must replace it.
 */
export abstract class OdooPort {
  /** The uid of the user the hub calls as (`res.users/context_get`'s `uid`), read once and kept. */
  abstract uid(): Promise<number>;

  /**
   * Records matching `domain`, with `fields` (and `id`), in `order`, at most `limit` of them (no limit by default:
   * bound it for large models). Archived records only with `withArchived`.
   */
  abstract searchRead(
    model: string,
    domain: OdooDomain,
    fields: string[],
    options?: SearchReadOptions,
  ): Promise<OdooRecord[]>;

  /**
   * Creates one record and answers its id. Runs with `tracking_disable` (no chatter for the hub's writes); `context`
   * is merged over it.
   */
  abstract create(model: string, values: OdooValues, context?: Record<string, unknown>): Promise<number>;

  /**
   * Writes the same values to every record of `ids`, as `create` does with `tracking_disable`. A record that does
   * not exist fails the whole call (`odoo.exceptions.MissingError`).
   */
  abstract write(model: string, ids: number[], values: OdooValues, context?: Record<string, unknown>): Promise<void>;

  /**
   * Odoo's import (`load`): creates or updates records and their external ids in ONE transaction, so a record never
   * exists without the id that finds it again. `fields` is the header (`id` the external id `module.name`,
   * `field/.id` a many2one by database id); cells are strings, an empty cell is False. A row whose external id exists
   * updates that record. Answers the ids in row order; any problem rolls the whole call back and is thrown as a
   * PermanentError with Odoo's messages (`odoo.load`).
   */
  abstract load(
    model: string,
    fields: string[],
    rows: string[][],
    context?: Record<string, unknown>,
  ): Promise<number[]>;

  /**
   * Calls a public model method on records (`sale.order/action_confirm`), answering what Odoo answers (`null` for
   * None). `args` are the method's keyword arguments; `args.context` is Odoo's context. No `tracking_disable` is
   * added: a business action's messages are part of what it does.
   */
  abstract callMethod(model: string, method: string, ids: number[], args?: Record<string, unknown>): Promise<unknown>;
}
