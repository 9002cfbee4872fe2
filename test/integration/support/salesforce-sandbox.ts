import { stack } from './stack';

/** Test-side client of the Salesforce sandbox: its admin API, and SOQL through the same REST API the hub uses. */
export class SandboxClient {
  private token?: string;
  constructor(
    readonly url: string = stack().salesforceSandbox.url,
    private readonly clientId = 'hub-client',
    private readonly clientSecret = 'hub-secret',
  ) {}

  async reset(): Promise<void> {
    await this.admin('POST', '/__admin/reset');
    this.token = undefined;
  }

  async setFaults(faults: Record<string, unknown>): Promise<void> {
    await this.admin('POST', '/__admin/faults', faults);
  }

  async clearFaults(): Promise<void> {
    await this.admin('DELETE', '/__admin/faults');
  }

  async stats(): Promise<{ apiCalls: number; [k: string]: unknown }> {
    return (await this.admin('GET', '/__admin/stats')) as { apiCalls: number };
  }

  async setLimits(limits: { max?: number; used?: number }): Promise<void> {
    await this.admin('POST', '/__admin/limits', limits);
  }

  /** Every row of an object, deleted ones included, without counting an API call (unlike {@link query}). */
  async records<T = Record<string, unknown>>(sobject: string): Promise<T[]> {
    const body = (await this.admin('GET', `/__admin/records/${sobject}`)) as T[] | { records: T[] };
    return Array.isArray(body) ? body : body.records;
  }

  async query<T = Record<string, unknown>>(soql: string): Promise<T[]> {
    const res = await fetch(`${this.url}/services/data/v62.0/query?q=${encodeURIComponent(soql)}`, {
      headers: { Authorization: `Bearer ${await this.accessToken()}` },
    });
    if (res.status === 401) {
      this.token = undefined;
      return this.query(soql);
    }
    if (!res.ok) throw new Error(`query failed: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { records: T[] }).records;
  }

  private async accessToken(): Promise<string> {
    if (this.token) return this.token;
    const res = await fetch(`${this.url}/services/oauth2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: this.clientId,
        client_secret: this.clientSecret,
      }),
    });
    if (!res.ok) throw new Error(`token request failed: ${res.status} ${await res.text()}`);
    this.token = ((await res.json()) as { access_token: string }).access_token;
    return this.token;
  }

  private async admin(method: string, path: string, body?: unknown): Promise<unknown> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    const text = await res.text();
    return text ? JSON.parse(text) : undefined;
  }
}
