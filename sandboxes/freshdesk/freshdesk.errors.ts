/**
 * Freshdesk API v2's error bodies, as its reference and its knowledge-base articles show them.
 *
 * - 400/409 `{"description":"Validation failed","errors":[{"field","message","code"}]}`; a duplicate is 409 with
 *   `code: "duplicate_value"` (a contact's duplicate also names the holder in `additional_info.user_id`).
 * - 401 `{"code":"invalid_credentials","message":…}`.
 * - 404: an empty body (what the API answers for an unknown id; from practice, not from the reference text).
 * - 415 `{"code":"invalid_content_type","message":…}` for a write that is not `application/json`.
 * - 429: `Retry-After` in seconds; the body's wording is not documented, so it is a plain message here.
 */

export interface FieldError {
  field: string;
  message: string;
  code: string;
  additional_info?: Record<string, unknown>;
}

export interface ErrorAnswer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/** Thrown inside a handler; the server answers it as is. */
export class ApiFailure extends Error {
  constructor(readonly answer: ErrorAnswer) {
    super(`freshdesk sandbox answer ${answer.status}`);
  }
}

export const validationFailed = (errors: FieldError[], status = 400): ApiFailure =>
  new ApiFailure({ status, body: { description: 'Validation failed', errors } });

export const duplicateValue = (field: string, additionalInfo?: Record<string, unknown>): ApiFailure =>
  validationFailed(
    [
      {
        field,
        message: 'It should be a unique value',
        code: 'duplicate_value',
        ...(additionalInfo ? { additional_info: additionalInfo } : {}),
      },
    ],
    409,
  );

export const missingField = (field: string, type = 'String'): FieldError => ({
  field,
  message: `It should be a/an ${type}`,
  code: 'missing_field',
});

export const invalidValue = (field: string, message: string): FieldError => ({ field, message, code: 'invalid_value' });

export const invalidField = (field: string): FieldError => ({
  field,
  message: 'Unexpected/invalid field in request',
  code: 'invalid_field',
});

export const dataTypeMismatch = (field: string, type: string): FieldError => ({
  field,
  message: `Value set is of type ${type === 'Integer' ? 'String' : 'Integer'}.It should be a/an ${type}`,
  code: 'datatype_mismatch',
});

export const INVALID_CREDENTIALS: ErrorAnswer = {
  status: 401,
  body: { code: 'invalid_credentials', message: 'You have to be logged in to perform this action.' },
  headers: { 'WWW-Authenticate': 'Basic realm="Helpdesk"' },
};

export const notFound = (): ApiFailure => new ApiFailure({ status: 404, body: undefined });

export const invalidContentType = (sent: string | undefined): ApiFailure =>
  new ApiFailure({
    status: 415,
    body: {
      code: 'invalid_content_type',
      message: `Content-Type header is set to ${sent ?? ''}. It should be set to application/json`,
    },
  });

export const invalidJson = (): ApiFailure =>
  new ApiFailure({
    status: 400,
    body: { code: 'invalid_json', message: 'Request body has invalid json format' },
  });

export const methodNotAllowed = (method: string, allowed: string[]): ApiFailure =>
  new ApiFailure({
    status: 405,
    body: { message: `${method} method is not allowed. It should be one of these method(s): ${allowed.join(', ')}` },
    headers: { Allow: allowed.join(', ') },
  });

export const serverError = (): ErrorAnswer => ({
  status: 500,
  body: { code: 'internal_error', message: 'We are facing some issues. Please try again after some time.' },
});
