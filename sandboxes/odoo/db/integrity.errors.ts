/**
 * What Odoo 17 makes of PostgreSQL errors (odoo/service/model.py): an IntegrityError is never retried but turned
 * into a ValidationError with a readable message (`_as_validation_error`); a serialization failure, deadlock or
 * lock timeout is retried, and once the tries are spent the psycopg2 error itself reaches the client.
 */
import { DatabaseError, ValidationError } from '../odoo.errors';
import type { ModelCatalogue } from '../orm/model.catalogue';

/** SQLSTATEs `retrying` tries again: LOCK_NOT_AVAILABLE, SERIALIZATION_FAILURE, DEADLOCK_DETECTED. */
export const CONCURRENCY_ERRORS = new Set(['55P03', '40001', '40P01']);

/** The fields of a node-postgres error the mapping reads. */
export interface PgErrorLike {
  code: string;
  message: string;
  detail?: string;
  table?: string;
  column?: string;
  constraint?: string;
}

export function isPgError(error: unknown): error is PgErrorLike {
  if (!(error instanceof Error)) return false;
  const code: unknown = (error as { code?: unknown }).code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * The `_sql_constraints` messages of the constraints in the schema, by constraint name (module's model
 * definitions, 17.0); a violated constraint not listed here is reported with PostgreSQL's own message.
 */
export const SQL_CONSTRAINT_MESSAGES: Readonly<Record<string, string>> = {
  res_partner_check_name: 'Contacts require a name',
  res_users_login_key: 'You can not have two users with the same login!',
  res_company_name_uniq: 'The company name must be unique!',
  res_currency_unique_name: 'The currency code must be unique!',
  sale_order_date_order_conditional_required: 'A confirmed sales order requires a confirmation date.',
  sale_order_line_accountable_required_fields: 'Missing required fields on accountable sale order line.',
  sale_order_line_non_accountable_null_fields: 'Forbidden values on non-accountable sale order line',
  stock_picking_name_uniq: 'Reference must be unique per company!',
  ir_model_data_name_nospaces: 'External IDs cannot contain spaces',
};

/** psycopg2's `str(exc)`: the message, its DETAIL line, and a trailing newline. */
export function psycopgMessage(error: PgErrorLike): string {
  return `${error.message}\n${error.detail ? `DETAIL:  ${error.detail}\n` : ''}`;
}

/** `_as_validation_error`: an integrity error as the ValidationError Odoo 17 answers. */
export function asValidationError(error: PgErrorLike, catalogue: ModelCatalogue): ValidationError {
  const integrity = { code: error.code, table: error.table, column: error.column, constraint: error.constraint };
  const model = error.table ? catalogue.ofTable(error.table) : undefined;
  const modelName = model?.description ?? 'Unknown';
  const modelTech = model?.name ?? 'unknown';
  if (error.code === '23502') {
    const f = model && error.column ? model.fields.get(error.column) : undefined;
    return new ValidationError(
      'The operation cannot be completed:\n' +
        '- Create/update: a mandatory field is not set.\n' +
        '- Delete: another model requires the record being deleted. If possible, archive it instead.\n\n' +
        `Model: ${modelName} (${modelTech})\n` +
        `Field: ${f?.string ?? 'Unknown'} (${f?.name ?? 'unknown'})\n`,
      integrity,
    );
  }
  if (error.code === '23503') {
    return new ValidationError(
      'The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\n' +
        `Model: ${modelName} (${modelTech})\n` +
        `Constraint: ${error.constraint ?? ''}\n`,
      integrity,
    );
  }
  const known = error.constraint ? SQL_CONSTRAINT_MESSAGES[error.constraint] : undefined;
  return new ValidationError(`The operation cannot be completed: ${known ?? psycopgMessage(error)}`, integrity);
}

/** Any PostgreSQL error as the client sees it once `retrying` gave up or did not retry. */
export function fromPgError(error: PgErrorLike, catalogue: ModelCatalogue): ValidationError | DatabaseError {
  if (error.code.startsWith('23')) return asValidationError(error, catalogue);
  return new DatabaseError(error.code, psycopgMessage(error));
}
