import type { ConnectStatusBody } from './connector-status';

/** Kafka Connect answered something the watch cannot use; `status` is the HTTP status, when there was one. */
export class KafkaConnectError extends Error {
  override readonly name = 'KafkaConnectError';
  constructor(
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/**
 * The few calls of Kafka Connect's REST API the capture watch makes (Connect ≥ 3.0, KIP-745 for the restart). Each
 * call has a timeout, so a hung worker shows as unreachable instead of stalling the watch.
 */
export class KafkaConnectClient {
  constructor(
    private readonly baseUrl: string,
    private readonly timeoutMs = 5_000,
  ) {}

  /** The connector's and its tasks' states; undefined when Connect has no such connector (404). */
  async status(name: string): Promise<ConnectStatusBody | undefined> {
    return this.get<ConnectStatusBody>(`/connectors/${encodeURIComponent(name)}/status`);
  }

  /** The connector's configuration (its `slot.name`, say); undefined when there is no such connector. */
  async config(name: string): Promise<Record<string, string> | undefined> {
    return this.get<Record<string, string>>(`/connectors/${encodeURIComponent(name)}/config`);
  }

  /**
   * Restarts the connector and its tasks, only the instances that are FAILED (`includeTasks=true&onlyFailed=true`).
   * Connect answers 202 with the status it will restart into, asynchronously; 204 when nothing was failed anymore.
   */
  async restartFailed(name: string): Promise<void> {
    const res = await this.call(
      'POST',
      `/connectors/${encodeURIComponent(name)}/restart?includeTasks=true&onlyFailed=true`,
    );
    if (res.status !== 202 && res.status !== 204 && res.status !== 200) {
      throw new KafkaConnectError(`restart of ${name}: HTTP ${res.status} ${await res.text()}`, res.status);
    }
  }

  private async get<T>(path: string): Promise<T | undefined> {
    const res = await this.call('GET', path);
    if (res.status === 404) return undefined;
    if (!res.ok) throw new KafkaConnectError(`GET ${path}: HTTP ${res.status} ${await res.text()}`, res.status);
    return (await res.json()) as T;
  }

  private async call(method: string, path: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl.replace(/\/$/, '')}${path}`, {
        method,
        headers: { Accept: 'application/json' },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (error) {
      throw new KafkaConnectError(`${method} ${path}: ${(error as Error).message}`, undefined, { cause: error });
    }
  }
}
