import { COMPATIBILITY, SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { CANONICAL_AVRO_OPTIONS } from './decimal.type';
import { avroSchemas, CanonicalSchemaName } from './generated/avro-schemas';
import type { CanonicalEventMap } from './generated/avro-types';
import { assertMayProduce, CANONICAL_TOPICS, CanonicalTopicKey, physicalTopicName, valueSubject } from './topics';

/** A value does not fit its canonical schema; `problems` name each offending field path. */
export class CanonicalValidationError extends Error {
  override readonly name = 'CanonicalValidationError';
  constructor(
    readonly schema: string,
    readonly problems: string[],
  ) {
    super(`value does not fit ${schema}: ${problems.join('; ')}`);
  }
}

/** Bytes that are not a canonical event: wrong framing, unknown schema id, or a value the schema cannot read. */
export class CanonicalDecodeError extends Error {
  override readonly name = 'CanonicalDecodeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Registry errors that say the registry refused the schema (HTTP 409/422): a contract break, never retried. */
export class SchemaRejectedError extends Error {
  override readonly name = 'SchemaRejectedError';
  constructor(
    readonly subject: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`registry refused the schema for ${subject}: ${message}`, options);
  }
}

export type CanonicalValue<K extends CanonicalTopicKey> = CanonicalEventMap[(typeof CANONICAL_TOPICS)[K]['schema']];

export interface CanonicalEnvelopeView {
  envelope: { eventId: string; eventType: string; aggregateId: string; sourcePosition: number };
}

/**
 * Encodes and decodes canonical events in the Confluent wire format through the schema registry's
 * Confluent-compatible API. Producers call {@link registerProducerSchemas} once at boot with their app name: it
 * checks the topic table lets the app produce every topic, then registers each topic's value schema under its
 * TopicNameStrategy subject with BACKWARD compatibility, so a wrong producer or an incompatible change fails boot.
 */
export class CanonicalCodec {
  private readonly types = new Map<CanonicalSchemaName, avro.Type>();
  private readonly ids = new Map<CanonicalTopicKey, number>();
  /** Writer schemas being fetched, by id: see {@link writerSchemaLoaded}. */
  private readonly loading = new Map<number, Promise<unknown>>();

  constructor(
    private readonly registry: SchemaRegistry,
    private readonly topicPrefix: string,
  ) {
    for (const name of Object.keys(avroSchemas) as CanonicalSchemaName[]) {
      this.types.set(
        name,
        avro.Type.forSchema(
          avroSchemas[name] as unknown as avro.Schema,
          { ...CANONICAL_AVRO_OPTIONS } as unknown as Partial<avro.ForSchemaOptions>,
        ),
      );
    }
  }

  static connect(registryUrl: string, topicPrefix: string): CanonicalCodec {
    return new CanonicalCodec(
      new SchemaRegistry(
        { host: registryUrl, clientId: 'hub' },
        { [SchemaType.AVRO]: { ...CANONICAL_AVRO_OPTIONS } as never },
      ),
      topicPrefix,
    );
  }

  topic(key: CanonicalTopicKey): string {
    return physicalTopicName(key, this.topicPrefix);
  }

  /**
   * Registers (or finds) the value schema of each given topic for `app`, the producing service. Throws
   * {@link TopicProducerError} before registering anything when the topic table does not let `app` produce one of
   * them, and {@link SchemaRejectedError} when the registry refuses a schema as incompatible.
   */
  async registerProducerSchemas(app: string, keys: readonly CanonicalTopicKey[]): Promise<void> {
    assertMayProduce(app, keys);
    for (const key of keys) {
      const subject = valueSubject(this.topic(key));
      const schema = avroSchemas[CANONICAL_TOPICS[key].schema];
      const { id } = await registerWithRetry(() => registerSchema(this.registry, subject, schema), subject);
      this.ids.set(key, id);
    }
  }

  /** Validates against the canonical schema first, so the error names the bad field rather than avsc's internals. */
  async encode<K extends CanonicalTopicKey>(key: K, value: CanonicalValue<K>): Promise<Buffer> {
    const id = this.ids.get(key);
    if (id === undefined) throw new Error(`schema for topic ${key} is not registered: call registerProducerSchemas`);
    const schemaName = CANONICAL_TOPICS[key].schema;
    this.validate(schemaName, value);
    return this.registry.encode(id, value);
  }

  validate(schemaName: CanonicalSchemaName, value: unknown): void {
    const problems: string[] = [];
    this.types.get(schemaName)!.isValid(value, {
      errorHook: (path, v) => problems.push(`${path.join('.') || '<root>'}=${JSON.stringify(v)}`),
    });
    if (problems.length) throw new CanonicalValidationError(schemaName, problems);
  }

  /** Decodes a Confluent-framed value with the writer's schema fetched (and cached) from the registry. */
  async decode(buffer: Buffer | null): Promise<unknown> {
    if (!buffer || buffer.length < 5 || buffer[0] !== 0) {
      throw new CanonicalDecodeError('not Confluent wire format (magic byte 0 + 4-byte schema id expected)');
    }
    try {
      await this.writerSchemaLoaded(buffer.readUInt32BE(1));
      return await this.registry.decode(buffer);
    } catch (error) {
      throw new CanonicalDecodeError(`cannot decode: ${(error as Error).message}`, { cause: error });
    }
  }

  /**
   * Loads a writer schema once, whoever asks first. The registry client shares the request of a schema it does not
   * have yet, but every decode waiting on it then builds the avsc type on its own: a projector starting on a backlog
   * decoded a fetch's thousands of records concurrently and spent seconds of CPU building the same types.
   */
  private writerSchemaLoaded(id: number): Promise<unknown> {
    let loading = this.loading.get(id);
    if (!loading) {
      loading = this.registry.getSchema(id).catch((error: unknown) => {
        this.loading.delete(id);
        throw error;
      });
      this.loading.set(id, loading);
    }
    return loading;
  }
}

/**
 * Registers a schema under a subject with BACKWARD compatibility. A 409/422 from the registry becomes
 * {@link SchemaRejectedError}; anything else (network, 5xx) is rethrown as is.
 */
export async function registerSchema(
  registry: SchemaRegistry,
  subject: string,
  schema: unknown,
): Promise<{ id: number }> {
  try {
    return await registry.register(
      { type: SchemaType.AVRO, schema: JSON.stringify(schema) },
      { subject, compatibility: COMPATIBILITY.BACKWARD },
    );
  } catch (error) {
    const status = (error as { status?: number }).status;
    const message = (error as Error).message ?? '';
    if (status === 409 && /rule named 'COMPATIBILITY' already exists/i.test(message)) {
      // Two producers of one subject starting together on a new registry (odoo-cdc and ingress both publish
      // customers) both see no rule and both create it; the second is told it exists. Not a refusal: the rule is
      // the one asked for, so the registration is tried again and finds it.
      throw new Error(`registering ${subject}: its compatibility rule was created at the same moment (${message})`, {
        cause: error,
      });
    }
    if (status === 409 || status === 422) {
      throw new SchemaRejectedError(subject, (error as Error).message, { cause: error });
    }
    throw error;
  }
}

/** Per-attempt limit of one registration call; the registry client sets none of its own. */
const REGISTER_TIMEOUT_MS = 15_000;
const REGISTER_ATTEMPTS = 3;

/**
 * A registration request that never answers (seen once with Apicurio under load) must not hang boot forever:
 * each attempt is bounded, and a refused schema is never retried.
 */
export async function registerWithRetry(
  attempt: () => Promise<{ id: number }>,
  subject: string,
  timeoutMs = REGISTER_TIMEOUT_MS,
): Promise<{ id: number }> {
  let last: unknown;
  for (let i = 1; i <= REGISTER_ATTEMPTS; i++) {
    let timer: NodeJS.Timeout | undefined;
    try {
      return await Promise.race([
        attempt(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`registering ${subject} got no answer within ${timeoutMs} ms`)),
            timeoutMs,
          );
        }),
      ]);
    } catch (error) {
      if (error instanceof SchemaRejectedError) throw error;
      last = error;
    } finally {
      clearTimeout(timer);
    }
  }
  throw last;
}
