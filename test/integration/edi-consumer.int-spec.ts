import {
  CanonicalCodec,
  CanonicalPublisher,
  canonicalTopicConfigs,
  CanonicalValue,
  deterministicEventId,
} from '@hub/canonical';
import { ensureTopics } from '@hub/runtime';
import { ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { kafka } from './support/kafka';
import { ROOT, runId, stack } from './support/stack';

/**
 * examples/edi-consumer joins by subscribing alone: run as its own process in its own group against the real stack,
 * it prints a sales order the hub's own codec and publisher put on the topic, and commits it when stopped.
 */
describe('examples/edi-consumer', () => {
  const prefix = `it-${runId('edi')}.`;
  const orders = `${prefix}sales-order.v1`;
  const shipments = `${prefix}shipment.v1`;
  const groupId = `it-${runId('edi-example')}`;
  let consumer: ChildProcessWithoutNullStreams | undefined;

  beforeAll(async () => {
    const admin = kafka().admin();
    await admin.connect();
    await ensureTopics(admin, canonicalTopicConfigs(['sales-order', 'shipment'], { prefix, replicationFactor: 1 }));
    await admin.disconnect();
  });

  afterAll(() => {
    if (consumer && consumer.exitCode === null) consumer.kill('SIGKILL');
  });

  it('prints a published sales order as JSON and commits it on SIGTERM', async () => {
    consumer = spawn(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'examples/edi-consumer/main.ts', '--json'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          KAFKA_BROKERS: stack().kafka.brokers,
          SCHEMA_REGISTRY_URL: stack().registry.url,
          TOPICS: `${orders},${shipments}`,
          GROUP_ID: groupId,
        },
      },
    );
    const stdout = lines(consumer, 'stdout');
    const stderr = lines(consumer, 'stderr');
    await waitFor(
      () => stderr.some((l) => l.includes('reading')),
      60_000,
      () => stderr.join('\n'),
    );

    const aggregateId = `odoo-sale-order-${Date.now()}`;
    const codec = CanonicalCodec.connect(stack().registry.url, prefix);
    // The test publishes as odoo-cdc, the topic's producer.
    await codec.registerProducerSchemas('odoo-cdc', ['sales-order']);
    const producer = kafka().producer({ idempotent: true });
    await producer.connect();
    await new CanonicalPublisher(producer, codec, { app: 'odoo-cdc' }).publish([
      { topic: 'sales-order', key: aggregateId, value: salesOrderEvent(aggregateId) },
    ]);
    await producer.disconnect();

    await waitFor(
      () => stdout.some((l) => l.includes(aggregateId)),
      60_000,
      () => stderr.join('\n'),
    );
    const printed = JSON.parse(stdout.find((l) => l.includes(aggregateId))!) as Record<string, unknown>;
    expect(printed).toMatchObject({
      topic: orders,
      key: aggregateId,
      eventType: 'sales-order.upserted',
      aggregateId,
      value: { salesOrder: { name: 'S00042', amountTotal: '141.9700', lines: [{ quantity: '2.0000' }] } },
    });
    expect(printed.summary).toContain('S00042');

    consumer.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => consumer!.once('exit', resolve));
    expect(code).toBe(0);

    const admin = kafka().admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [orders] });
    await admin.disconnect();
    const next = committed.partitions.map((p) => Number(p.offset)).reduce((a, b) => a + Math.max(b, 0), 0);
    expect(next).toBe(1);
  });

  it('refuses bad configuration with exit 78 and names each variable', () => {
    const result = spawnSync(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'examples/edi-consumer/main.ts'],
      {
        cwd: ROOT,
        env: { PATH: process.env.PATH, KAFKA_BROKERS: 'localhost', TOPICS: 'hub.sales-order.v1,not a topic' },
        encoding: 'utf8',
        timeout: 30_000,
      },
    );
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('KAFKA_BROKERS="localhost"');
    expect(result.stderr).toContain('"not a topic"');
  });
});

function salesOrderEvent(aggregateId: string): CanonicalValue<'sales-order'> {
  const odooId = 42;
  return {
    envelope: {
      eventId: deterministicEventId('it-edi', aggregateId),
      eventType: 'sales-order.upserted',
      aggregateId,
      occurredAt: Date.now(),
      sourceSystem: 'ODOO',
      sourceTable: 'sale_order',
      sourcePrimaryKey: String(odooId),
      sourcePosition: 1,
      sourceTransactionId: null,
      sourceEventId: null,
      schemaVersion: 1,
    },
    salesOrder: {
      id: aggregateId,
      odooId,
      name: 'S00042',
      state: 'sale',
      locked: false,
      customerId: 'odoo-partner-7',
      invoiceAddressId: null,
      shippingAddressId: null,
      customerReference: 'PO-4711',
      salesforceOrderId: null,
      orderDate: Date.now(),
      commitmentDate: null,
      validityDate: null,
      currencyCode: 'EUR',
      amountUntaxed: '123.4500',
      amountTax: '18.5200',
      amountTotal: '141.9700',
      invoiceStatus: 'to invoice',
      deliveryStatus: 'pending',
      lines: [
        {
          odooId: 1,
          sequence: 10,
          displayType: null,
          productId: 'odoo-product-3',
          description: 'Desk',
          quantity: '2.0000',
          unitPrice: '61.7250',
          discountPercent: '0.0000',
          subtotal: '123.4500',
          tax: '18.5200',
          total: '141.9700',
          quantityDelivered: '0.0000',
          quantityInvoiced: '0.0000',
        },
      ],
    },
  };
}

function lines(child: ChildProcessWithoutNullStreams, stream: 'stdout' | 'stderr'): string[] {
  const out: string[] = [];
  let partial = '';
  child[stream].setEncoding('utf8');
  child[stream].on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop()!;
    out.push(...parts);
  });
  return out;
}

async function waitFor(condition: () => boolean, timeoutMs: number, context: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out; consumer stderr:\n${context()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
