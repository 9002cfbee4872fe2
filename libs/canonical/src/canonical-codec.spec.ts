import type { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { CanonicalCodec, registerSchema, registerWithRetry, SchemaRejectedError } from './canonical-codec';
import { TopicProducerError } from './topics';

describe('CanonicalCodec.registerProducerSchemas', () => {
  const registry = () => {
    const subjects: string[] = [];
    const fake = {
      register: async (_schema: unknown, options: { subject: string }) => (subjects.push(options.subject), { id: 1 }),
    };
    return { subjects, codec: new CanonicalCodec(fake as unknown as SchemaRegistry, 'hub.') };
  };

  it('registers the value subject of each topic the app may produce', async () => {
    const { subjects, codec } = registry();
    await codec.registerProducerSchemas('ingress', ['customer', 'contact']);
    expect(subjects).toEqual(['hub.customer.v1-value', 'hub.contact.v1-value']);
  });

  it('registers nothing when the app may not produce one of the topics, and names the app and topics', async () => {
    const { subjects, codec } = registry();
    const error = await codec.registerProducerSchemas('ingress', ['customer', 'invoice']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TopicProducerError);
    expect((error as Error).message).toMatch(/^ingress may not produce to invoice:/);
    expect(subjects).toEqual([]);
  });
});

describe('registerWithRetry', () => {
  it('gives up on an attempt that never answers and tries again', async () => {
    let calls = 0;
    const attempt = () => (++calls === 1 ? new Promise<{ id: number }>(() => undefined) : Promise.resolve({ id: 7 }));
    await expect(registerWithRetry(attempt, 's-value', 20)).resolves.toEqual({ id: 7 });
    expect(calls).toBe(2);
  });

  it('never retries a schema the registry refused', async () => {
    let calls = 0;
    const attempt = () => {
      calls++;
      return Promise.reject(new SchemaRejectedError('s-value', 'incompatible'));
    };
    await expect(registerWithRetry(attempt, 's-value', 20)).rejects.toBeInstanceOf(SchemaRejectedError);
    expect(calls).toBe(1);
  });

  it('fails with the last error after three silent attempts', async () => {
    await expect(registerWithRetry(() => new Promise(() => undefined), 's-value', 10)).rejects.toThrow(
      'registering s-value got no answer within 10 ms',
    );
  });
});

describe('registerSchema', () => {
  const refusing = (status: number, message: string) =>
    ({
      register: () => Promise.reject(Object.assign(new Error(message), { status })),
    }) as unknown as SchemaRegistry;

  it('takes a compatibility rule created at the same moment by another producer as worth trying again', async () => {
    const error = await registerSchema(
      refusing(409, "hub - A rule named 'COMPATIBILITY' already exists."),
      'hub.contact.v1-value',
      {},
    ).catch((e: unknown) => e);
    expect(error).not.toBeInstanceOf(SchemaRejectedError);
    expect((error as Error).message).toContain(
      'hub.contact.v1-value: its compatibility rule was created at the same moment',
    );
    // registerWithRetry therefore tries again, and the second attempt finds the rule.
    let calls = 0;
    const attempt = () =>
      ++calls === 1
        ? registerSchema(refusing(409, "A rule named 'COMPATIBILITY' already exists."), 's-value', {})
        : Promise.resolve({ id: 3 });
    await expect(registerWithRetry(attempt, 's-value', 50)).resolves.toEqual({ id: 3 });
  });

  it('refuses an incompatible schema for good', async () => {
    const error = await registerSchema(refusing(409, 'Schema being registered is incompatible'), 's-value', {}).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaRejectedError);
  });
});

describe('CanonicalCodec.decode', () => {
  const framed = (id: number) => {
    const buffer = Buffer.alloc(6);
    buffer[0] = 0;
    buffer.writeUInt32BE(id, 1);
    return buffer;
  };

  it('loads each writer schema once, however many decodes wait on it together', async () => {
    const loads: number[] = [];
    const fake = {
      getSchema: async (id: number) => {
        loads.push(id);
        await new Promise((r) => setTimeout(r, 10));
        return {};
      },
      decode: async (buffer: Buffer) => buffer.readUInt32BE(1),
    };
    const codec = new CanonicalCodec(fake as unknown as SchemaRegistry, 'hub.');
    const decoded = await Promise.all([...Array(50)].map((_, i) => codec.decode(framed(i % 2 === 0 ? 7 : 8))));
    expect(decoded.filter((d) => d === 7)).toHaveLength(25);
    expect(loads.sort()).toEqual([7, 8]);
  });

  it('asks the registry again for a schema whose loading failed', async () => {
    let attempts = 0;
    const fake = {
      getSchema: async () => {
        if (++attempts === 1) throw new Error('registry unavailable');
        return {};
      },
      decode: async () => 'ok',
    };
    const codec = new CanonicalCodec(fake as unknown as SchemaRegistry, 'hub.');
    await expect(codec.decode(framed(3))).rejects.toThrow('cannot decode: registry unavailable');
    await expect(codec.decode(framed(3))).resolves.toBe('ok');
    expect(attempts).toBe(2);
  });
});
