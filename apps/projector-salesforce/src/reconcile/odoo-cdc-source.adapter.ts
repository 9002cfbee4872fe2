import { PermanentError, PermanentErrorCode, TransientError } from '@hub/resilience';
import { SourceAggregate, SourceEntity, SourceOfRecord } from './source-of-record.port';

/** odoo-cdc's repair API (`/aggregates/read`, `/aggregates/republish`) over HTTP, with its bearer token. */
export class OdooCdcSourceAdapter extends SourceOfRecord {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {
    super();
  }

  read(entity: SourceEntity, query: { sinceMs?: number; ids?: number[]; afterId: number; limit: number }) {
    return this.post<{ aggregates: SourceAggregate[]; nextAfterId: number | null }>('read', { entity, ...query });
  }

  republish(entity: SourceEntity, items: { odooId: number; atLeastPosition?: number }[], marker: string) {
    return this.post<{ published: number; notFound: number[] }>('republish', { entity, items, marker });
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    const url = new URL(`aggregates/${path}`, this.baseUrl.endsWith('/') ? this.baseUrl : `${this.baseUrl}/`);
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new TransientError('SOURCE_UNREACHABLE', `odoo-cdc at ${url.origin}: ${(error as Error).message}`, {
        cause: error,
        retryAfterMs: 5_000,
      });
    }
    const text = await response.text();
    if (response.status >= 500) {
      throw new TransientError('SOURCE_UNAVAILABLE', `odoo-cdc ${path}: ${response.status} ${text.slice(0, 300)}`, {
        retryAfterMs: 5_000,
      });
    }
    if (!response.ok) {
      throw new PermanentError(
        PermanentErrorCode.REJECTED_BY_TARGET,
        `odoo-cdc refused ${path}: ${response.status} ${text.slice(0, 300)}`,
      );
    }
    return JSON.parse(text) as T;
  }
}
