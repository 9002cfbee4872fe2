import { SchemaRegistry } from '@kafkajs/confluent-schema-registry';
import { avroSchemas, CanonicalCodec, registerSchema, SchemaRejectedError, valueSubject } from '@hub/canonical';
import { runId, stack } from './support/stack';

/** The registry (Apicurio, Confluent-compatible API) enforces BACKWARD compatibility on canonical subjects. */
describe('schema registry compatibility', () => {
  const prefix = `it-${runId('registry')}.`;
  const registry = () => new SchemaRegistry({ host: stack().registry.url });
  const customer = avroSchemas.CustomerEvent as unknown as { fields: { name: string; type: unknown }[] };

  it('registers the canonical Customer schema under its TopicNameStrategy subject', async () => {
    const codec = CanonicalCodec.connect(stack().registry.url, prefix);
    await codec.registerProducerSchemas('odoo-cdc', ['customer']);
    const id = await registry().getLatestSchemaId(valueSubject(`${prefix}customer.v1`));
    expect(id).toBeGreaterThan(0);
  });

  it('accepts a backward-compatible change (a new optional field)', async () => {
    const evolved = withCustomerField({ name: 'segment', type: ['null', 'string'], default: null });
    await expect(registerSchema(registry(), valueSubject(`${prefix}customer.v1`), evolved)).resolves.toHaveProperty(
      'id',
    );
  });

  it('refuses an incompatible change to Customer (a new required field)', async () => {
    const broken = withCustomerField({ name: 'creditLimit', type: 'double' });
    const error = await registerSchema(registry(), valueSubject(`${prefix}customer.v1`), broken).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SchemaRejectedError);
    expect((error as Error).message).toContain(`${prefix}customer.v1-value`);
  });

  function withCustomerField(field: Record<string, unknown>) {
    const copy = JSON.parse(JSON.stringify(customer)) as { fields: { name: string; type: unknown }[] };
    const customerField = copy.fields.find((f) => f.name === 'customer')!;
    const record = (customerField.type as unknown[])[1] as { fields: unknown[] };
    record.fields.push(field);
    return copy;
  }
});
