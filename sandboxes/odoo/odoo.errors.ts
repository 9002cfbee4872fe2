/**
 * The exceptions Odoo's external API reports, with the fully qualified Python name each protocol shows and the
 * HTTP status JSON-2 gives it. Odoo 19's `odoo/exceptions.py` sets `http_status` on the exception classes:
 * UserError (and ValidationError) 422, AccessError 403, AccessDenied 403, MissingError 404; a bad bearer key is a
 * werkzeug `Unauthorized` (401) raised by `ir.http._auth_method_bearer`, not an AccessDenied. Anything else escaping
 * a method (a Python built-in error, a database error that outlived the retries) is a 500 on JSON-2.
 */

export class OdooError extends Error {
  constructor(
    /** `odoo.exceptions.ValidationError`, `werkzeug.exceptions.NotFound`, `builtins.TypeError`, ... */
    readonly exceptionName: string,
    message: string,
    /** The status JSON-2 answers with (JSON-RPC always answers 200). */
    readonly httpStatus: number,
    /** Python's `exc.args`. */
    readonly args: readonly unknown[] = [message],
  ) {
    super(message);
    this.name = exceptionName;
  }
}

export class UserError extends OdooError {
  constructor(message: string, exceptionName = 'odoo.exceptions.UserError', httpStatus = 422) {
    super(exceptionName, message, httpStatus);
  }
}

/** A constraint the record breaks, including integrity errors PostgreSQL raised (see {@link asValidationError}). */
export class ValidationError extends UserError {
  constructor(
    message: string,
    /** The PostgreSQL integrity error it reports, when it comes from one. */
    readonly integrity?: { code: string; table?: string; column?: string; constraint?: string },
  ) {
    super(message, 'odoo.exceptions.ValidationError', 422);
  }
}

export class AccessError extends UserError {
  constructor(message: string) {
    super(message, 'odoo.exceptions.AccessError', 403);
  }
}

export class MissingError extends UserError {
  constructor(message: string) {
    super(message, 'odoo.exceptions.MissingError', 404);
  }
}

/** Bad login, password or API key (JSON-RPC); Odoo hides its traceback. */
export class AccessDenied extends UserError {
  constructor(message = 'Access Denied') {
    super(message, 'odoo.exceptions.AccessDenied', 403);
  }
}

/** A Python built-in exception escaping the ORM: `TypeError` for bad arguments, `ValueError` for a bad field. */
export class PythonError extends OdooError {
  constructor(
    kind: 'TypeError' | 'ValueError' | 'KeyError' | 'AttributeError' | 'IndexError' | 'NameError' | 'UnboundLocalError',
    message: string,
  ) {
    super(`builtins.${kind}`, message, 500);
  }
}

/** A werkzeug HTTP exception, as the JSON-2 controller raises them (`arguments` = [description, code]). */
export class HttpError extends OdooError {
  constructor(
    readonly status: 400 | 401 | 404 | 405 | 422,
    description: string,
  ) {
    super(`werkzeug.exceptions.${HTTP_EXCEPTION_NAMES[status]}`, description, status, [description, status]);
  }
}

const HTTP_EXCEPTION_NAMES = {
  400: 'BadRequest',
  401: 'Unauthorized',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  422: 'UnprocessableEntity',
} as const;

/** werkzeug's NotFound description, which Odoo answers for a path or a database it does not serve. */
export const NOT_FOUND_DESCRIPTION =
  'The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.';

/** A PostgreSQL error that reached the client: psycopg2 names it after its SQLSTATE. */
export class DatabaseError extends OdooError {
  constructor(
    readonly sqlState: string,
    message: string,
    pythonName = `psycopg2.errors.${PSYCOPG2_NAMES[sqlState] ?? 'DatabaseError'}`,
  ) {
    super(pythonName, message, 500);
  }
}

const PSYCOPG2_NAMES: Record<string, string> = {
  '40001': 'SerializationFailure',
  '40P01': 'DeadlockDetected',
  '55P03': 'LockNotAvailable',
};

/** `odoo.http.serialize_exception`: what `data` holds in a JSON-RPC error and the body of a JSON-2 error. */
export interface SerializedException {
  name: string;
  debug: string;
  message: string;
  arguments: unknown[];
  context: Record<string, unknown>;
}

export function serializeException(error: OdooError, context: Record<string, unknown> = {}): SerializedException {
  // Odoo suppresses AccessDenied's traceback; there is no Python traceback here anyway, only the shape of one.
  const debug =
    error instanceof AccessDenied
      ? ''
      : `Traceback (most recent call last):\n  File "odoo sandbox", line 1, in <module>\n${error.exceptionName}: ${error.message}\n`;
  return { name: error.exceptionName, debug, message: error.message, arguments: [...error.args], context };
}

/** Any thrown value as the error a client sees: our own errors as they are, anything else as a server error. */
export function asOdooError(error: unknown): OdooError {
  if (error instanceof OdooError) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new OdooError('builtins.RuntimeError', message, 500);
}
