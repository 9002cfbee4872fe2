import { createHmac, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CanonicalCodec } from '@hub/canonical';
import { RunningApp, startApp } from '../../scripts/lib/app-process';
import { hubEnv } from './support/app-env';
import { canonicalRecords } from './support/canonical';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

type Row = Record<string, unknown>;

const ZENDESK_SECRET = 'dGhpc2lzYXNlY3JldGZvcnplbmRlc2s=';
const FRESHDESK_SECRET = 'freshdesk-shared-secret-0123456789';
const ORG_ID = '00D5e000000KQ2eEAG';
const fixture = (path: string) => readFileSync(join(ROOT, 'test/fixtures', path), 'utf8');

/**
 * The webhook front doors on the real stack: requests signed exactly as each vendor documents, events read back
 * from the canonical topics through the registry, the dedupe ledger in the hub database, and Kafka frozen to show
 * that nothing is acknowledged before Kafka has the events.
 */
describe('ingress: signed webhooks on the real stack', () => {
  const run = runId('hooks');
  const prefix = `it-${run}.`;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let codec: CanonicalCodec;
  let ingress: RunningApp;

  const start = async () =>
    (ingress = await startApp(
      'ingress',
      hubEnv(prefix, hubDb.url, {
        DEAD_LETTER_TOPIC: `${prefix}dlq.ingress`,
        ZENDESK_WEBHOOK_SECRET: ZENDESK_SECRET,
        FRESHDESK_WEBHOOK_SECRET: FRESHDESK_SECRET,
        SALESFORCE_ORG_ID: ORG_ID,
        KAFKA_ACK_TIMEOUT_MS: '3000',
      }),
    ));

  /** As Zendesk signs: base64 HMAC-SHA256 over the timestamp header followed by the raw body. */
  const zendesk = (body: string, options: { timestamp?: string; secret?: string } = {}) => {
    const timestamp = options.timestamp ?? new Date().toISOString();
    const signature = createHmac('sha256', options.secret ?? ZENDESK_SECRET)
      .update(timestamp + body)
      .digest('base64');
    return fetch(`${ingress.url}/webhooks/zendesk`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        'X-Zendesk-Webhook-Signature': signature,
        'X-Zendesk-Webhook-Signature-Timestamp': timestamp,
      },
      body,
    });
  };
  const zendeskEvent = (ticketId: string, eventId = randomUUID()) => {
    const event = JSON.parse(fixture('zendesk/ok/ticket-status-changed.json')) as Row & { detail: Row };
    return JSON.stringify({ ...event, id: eventId, detail: { ...event.detail, id: ticketId } });
  };
  const serviceCases = (key: string) => canonicalRecords<{ serviceCase: Row }>(codec, 'service-case', key);

  beforeAll(async () => {
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    codec = await CanonicalCodec.connect(stack().registry.url, prefix);
    await start();
  });

  afterAll(async () => {
    await ingress?.kill();
    await hubDb?.drop();
  });

  it('turns a signed Zendesk event into one service case, however often it is delivered, also across a restart', async () => {
    const ticket = `${Date.now()}`;
    const body = zendeskEvent(ticket);
    for (let i = 0; i < 3; i++) {
      const res = await zendesk(body);
      expect(res.status).toBe(200);
      expect(res.headers.get('x-request-id')).toBeTruthy();
    }
    await ingress.stop();
    await start();
    expect((await zendesk(body)).status).toBe(200);
    const cases = await serviceCases(`zendesk-ticket-${ticket}`);
    expect(cases).toHaveLength(1);
    expect(cases[0].value!.serviceCase).toMatchObject({
      desk: 'ZENDESK',
      deskTicketId: ticket,
      subject: 'Order #S00042 arrived damaged',
      orderReference: 'S00042',
    });
  });

  it('refuses a wrong signature, a stale timestamp and a malformed body, and publishes nothing for them', async () => {
    const ticket = `${Date.now()}`;
    expect((await zendesk(zendeskEvent(ticket), { secret: 'not-the-secret-at-all' })).status).toBe(401);
    const stale = new Date(Date.now() - 3_600_000).toISOString();
    expect((await zendesk(zendeskEvent(ticket), { timestamp: stale })).status).toBe(401);
    const malformed = await zendesk('{"type": ');
    expect(malformed.status).toBe(400);
    const big = await zendesk(JSON.stringify({ pad: 'x'.repeat(2 * 1024 * 1024) }));
    expect(big.status).toBe(413);
    expect(await serviceCases(`zendesk-ticket-${ticket}`)).toEqual([]);
  });

  it('takes a Freshdesk automation webhook with its shared secret, and refuses one without', async () => {
    const ticket = JSON.parse(fixture('freshdesk/ok/automation-ticket.json')) as { ticket: Row };
    const id = `${Date.now()}`;
    const body = JSON.stringify({ ticket: { ...ticket.ticket, id } });
    const post = (secret?: string) =>
      fetch(`${ingress.url}/webhooks/freshdesk`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(secret ? { 'X-Hub-Webhook-Secret': secret } : {}) },
        body,
      });
    expect((await post()).status).toBe(401);
    expect((await post('a-wrong-secret-of-some-length')).status).toBe(401);
    expect((await post(FRESHDESK_SECRET)).status).toBe(200);
    expect((await post(FRESHDESK_SECRET)).status).toBe(200);
    const cases = await serviceCases(`freshdesk-ticket-${id}`);
    expect(cases).toHaveLength(1);
    expect(cases[0].value!.serviceCase).toMatchObject({ desk: 'FRESHDESK', invoiceReference: 'INV/2024/00017' });
  });

  it('acknowledges a Salesforce Outbound Message only with its records on Kafka, once per notification', async () => {
    // 18-character ids, as Salesforce's: 04l + 12 + 3.
    const unique = Date.now().toString(36).toUpperCase().padStart(10, '0').slice(-10);
    const xml = fixture('salesforce-outbound-message/ok/account-and-contact.xml')
      .replace('04l5e00000Gx7QzAAJ', `04l5e${unique}AAJ`)
      .replace('04l5e00000Gx7R0AAJ', `04l5f${unique}AAJ`)
      .replace(/odoo-partner-42/g, `odoo-partner-9${unique.length}${Date.now()}`);
    const post = () =>
      fetch(`${ingress.url}/webhooks/salesforce/outbound-message`, {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' },
        body: xml,
      });
    for (let i = 0; i < 3; i++) {
      const res = await post();
      expect(res.status).toBe(200);
      expect(await res.text()).toMatch(/<Ack>true<\/Ack>/);
    }
    const key = /<sf:Odoo_Id__c>([^<]+)</.exec(xml)![1];
    const customers = await canonicalRecords<{ customer: Row; envelope: Row }>(codec, 'customer', key);
    expect(customers).toHaveLength(1);
    // An Odoo customer: Salesforce's event carries only what Salesforce owns of it.
    expect(customers[0].value!.customer).toMatchObject({ id: key, salesforceId: '0015e00000ZkM3hAAF', name: null });
    expect(customers[0].value!.envelope).toMatchObject({ sourceSystem: 'SALESFORCE', sourceTable: 'Account' });

    const other = xml.replace(
      `<OrganizationId>${ORG_ID}</OrganizationId>`,
      '<OrganizationId>00D000000000001AAA</OrganizationId>',
    );
    const refused = await fetch(`${ingress.url}/webhooks/salesforce/outbound-message`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/xml' },
      body: other,
    });
    expect(refused.status).toBe(403);
  });

  it('answers 503 with Retry-After while Kafka does not answer, and the retry succeeds once it is back', async () => {
    const kafkaPid = Number(readFileSync(join(ROOT, '.stack/pids/kafka.pid'), 'utf8').trim());
    const ticket = `${Date.now()}`;
    const body = zendeskEvent(ticket);
    process.kill(kafkaPid, 'SIGSTOP');
    let frozen: Response;
    try {
      frozen = await zendesk(body);
    } finally {
      process.kill(kafkaPid, 'SIGCONT');
    }
    expect(frozen.status).toBe(503);
    expect(Number(frozen.headers.get('retry-after'))).toBeGreaterThan(0);
    // The sender retries until it is accepted.
    let retried = 503;
    for (let i = 0; i < 30 && retried !== 200; i++) {
      await new Promise((r) => setTimeout(r, 1_000));
      retried = (await zendesk(body)).status;
    }
    expect(retried).toBe(200);
    const cases = await serviceCases(`zendesk-ticket-${ticket}`);
    // One event, or two with the same event id if the frozen publish completed after the answer: never lost.
    expect(cases.length).toBeGreaterThanOrEqual(1);
    expect(new Set(cases.map((c) => c.value!.envelope.eventId)).size).toBe(1);
  });
});
