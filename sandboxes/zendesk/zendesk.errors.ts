/**
 * Zendesk's error answers. Business errors are JSON; the 429 is plain text (Zendesk's rate-limit answers quoted in
 * the reference are `text/plain`), and the 401 is `{"error":"Couldn't authenticate you"}` [H: as commonly quoted].
 */
export type FieldErrors = Record<string, Array<{ description: string; error: string }>>;

export class ZendeskFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`Zendesk ${status}`);
  }
}

export const Failures = {
  /** 422 RecordInvalid with per-field details, Zendesk's validation format. */
  recordInvalid: (details: FieldErrors) =>
    new ZendeskFailure(422, { error: 'RecordInvalid', description: 'Record validation errors', details }),
  notFound: () => new ZendeskFailure(404, { error: 'RecordNotFound', description: 'Not found' }),
  unauthenticated: () => new ZendeskFailure(401, { error: "Couldn't authenticate you" }),
  badRequest: (description: string) => new ZendeskFailure(400, { error: 'InvalidParameter', description }),
  tooMany: (description: string) => new ZendeskFailure(400, { error: 'TooManyValues', description }),
  unparsable: () =>
    new ZendeskFailure(400, { error: 'Unprocessable Entity', description: 'Server could not parse JSON' }),
  noRoute: () => new ZendeskFailure(404, { error: 'InvalidEndpoint', description: 'Not found' }),
};

/** One field's error, as in `details`. */
export const fieldError = (field: string, error: string, description: string): FieldErrors => ({
  [field]: [{ description, error }],
});
