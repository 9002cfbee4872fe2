/** Another app answered with an error, or did not answer: the page shows what it said, the console keeps running. */
export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly service: string,
    /** The HTTP status it answered, or 0 when it did not answer. */
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Calls `url` and answers its JSON body; a non-2xx answer or no answer is an {@link UpstreamError} with its message. */
export async function fetchJson<T>(service: string, url: string, init: RequestInit, timeoutMs: number): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new UpstreamError(service, 0, `${service} did not answer: ${(error as Error).message}`);
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = text;
  }
  if (!response.ok) {
    const message =
      body && typeof body === 'object' && 'message' in body ? String((body as { message: unknown }).message) : text;
    throw new UpstreamError(service, response.status, `${service} answered ${response.status}: ${message}`);
  }
  return body as T;
}
