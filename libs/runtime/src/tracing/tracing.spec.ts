import { context, SpanKind, trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { createServer, get, IncomingHttpHeaders, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import express from 'express';
import { traceOutboundHttp } from './http-client-spans';
import { httpServerSpans } from './http-server-spans';
import { activeTraceParent, traceCanonicalRecord, traceContextOf } from './kafka-trace-context';

describe('tracing', () => {
  const exporter = new InMemorySpanExporter();
  const sdk = new NodeSDK({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
    textMapPropagator: new W3CTraceContextPropagator(),
    instrumentations: [],
  });
  let server: Server;
  let url = '';
  const received: IncomingHttpHeaders[] = [];
  let stopHttp: () => void;
  const tracer = () => trace.getTracer('spec');
  const inSpan = <T>(work: () => Promise<T>) =>
    tracer().startActiveSpan('record', async (span) => {
      try {
        return await work();
      } finally {
        span.end();
      }
    });

  beforeAll(async () => {
    sdk.start();
    stopHttp = traceOutboundHttp();
    server = createServer((req, res) => {
      received.push(req.headers);
      res.writeHead(req.url?.startsWith('/missing') ? 404 : 200).end('{}');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    stopHttp();
    await new Promise((r) => server.close(r));
    await sdk.shutdown();
  });
  beforeEach(() => {
    exporter.reset();
    received.length = 0;
  });

  it('records a published canonical record as a producer span labelled with its envelope, whose context the headers carry', async () => {
    const headers = await inSpan(async () =>
      traceCanonicalRecord({
        topic: 'hub.customer.v1',
        key: 'odoo-partner-42',
        envelope: {
          aggregateId: 'odoo-partner-42',
          sourceSystem: 'ODOO',
          sourcePosition: 123456789,
          eventType: 'customer.upserted',
          occurredAt: Date.UTC(2026, 11, 6, 12),
        },
      }),
    );
    const create = exporter.getFinishedSpans().find((s) => s.name === 'create hub.customer.v1')!;
    const parent = exporter.getFinishedSpans().find((s) => s.name === 'record')!;
    expect(create.kind).toBe(SpanKind.PRODUCER);
    expect(create.parentSpanContext?.spanId).toBe(parent.spanContext().spanId);
    expect(create.attributes).toMatchObject({
      'messaging.system': 'kafka',
      'messaging.operation.type': 'create',
      'messaging.destination.name': 'hub.customer.v1',
      'messaging.kafka.message.key': 'odoo-partner-42',
      'hub.canonical_id': 'odoo-partner-42',
      'hub.source_system': 'ODOO',
      'hub.source_position': '123456789',
      'hub.source_commit_time': '2026-12-06T12:00:00.000Z',
    });
    expect(String(headers.traceparent)).toBe(`00-${create.spanContext().traceId}-${create.spanContext().spanId}-01`);
  });

  it('continues the trace context a record was made in, when it is published from another', async () => {
    const made = await inSpan(async () => context.active());
    const headers = traceCanonicalRecord({ topic: 't', key: 'k', traceContext: made });
    const parent = exporter.getFinishedSpans().find((s) => s.name === 'record')!;
    expect(String(headers.traceparent)).toContain(parent.spanContext().traceId);
  });

  it.each([
    ['fetch (undici)', true, (target: string) => fetch(target).then((r) => r.status)],
    [
      'node:http',
      // Node 20 publishes the channel once the request's headers are written: the span is made, no header sent.
      false,
      (target: string) =>
        new Promise<number>((resolve, reject) =>
          get(target, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode!));
          }).on('error', reject),
        ),
    ],
  ])('makes a client span of a call through %s inside a trace (traceparent sent: %s)', async (_, sent, call) => {
    await inSpan(() => call(`${url}/missing?q=1`));
    await new Promise((r) => setTimeout(r, 20));
    const client = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.CLIENT)!;
    expect(client.name).toBe('GET');
    expect(client.attributes).toMatchObject({
      'http.request.method': 'GET',
      'url.full': `${url}/missing`,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(url).port),
      'http.response.status_code': 404,
      'error.type': '404',
    });
    const traceparent = `00-${client.spanContext().traceId}-${client.spanContext().spanId}-01`;
    expect(received[0].traceparent).toBe(sent ? traceparent : undefined);
  });

  it('makes no span of a call outside any trace (a probe, a token at boot)', async () => {
    await fetch(`${url}/health`);
    expect(exporter.getFinishedSpans()).toEqual([]);
    expect(received[0].traceparent).toBeUndefined();
  });

  it('answers a request in a server span that a parsed body keeps and a caller’s traceparent continues', async () => {
    const app = express();
    app.use(httpServerSpans);
    app.use(express.json());
    let during: string | undefined;
    app.post('/webhooks/:vendor', (_req, res) => {
      // What the handler publishes is a child of the request's span: the span is active after the body was read.
      during = trace.getActiveSpan()?.spanContext().spanId;
      res.status(202).json({});
    });
    const web = await new Promise<Server>((r) => {
      const s = app.listen(0, '127.0.0.1', () => r(s));
    });
    const caller = '0af7651916cd43dd8448eb211c80319c';
    try {
      const res = await fetch(`http://127.0.0.1:${(web.address() as AddressInfo).port}/webhooks/zendesk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${caller}-b7ad6b7169203331-01` },
        body: JSON.stringify({ hello: 'x'.repeat(100_000) }),
      });
      expect(res.status).toBe(202);
    } finally {
      await new Promise((r) => web.close(r));
    }
    await new Promise((r) => setTimeout(r, 20));
    const server = exporter.getFinishedSpans().find((s) => s.kind === SpanKind.SERVER)!;
    expect(server.name).toBe('POST /webhooks/:vendor');
    expect(server.spanContext().traceId).toBe(caller);
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/webhooks/:vendor',
      'url.path': '/webhooks/zendesk',
      'http.response.status_code': 202,
    });
    expect(during).toBe(server.spanContext().spanId);
  });

  it('keeps a change’s trace in a stored traceparent, so a record published later from the store continues it', async () => {
    expect(activeTraceParent()).toBeNull();
    expect(traceContextOf(null)).toBeUndefined();
    const { stored, traceId } = await inSpan(async () => ({
      stored: activeTraceParent(),
      traceId: trace.getActiveSpan()!.spanContext().traceId,
    }));
    expect(stored).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    // Later, outside any span (an outbox's poll): the record's producer span joins the stored trace.
    const headers = traceCanonicalRecord({
      topic: 'hub.order-exception.v1',
      key: 'k',
      traceContext: traceContextOf(stored),
    });
    expect(String(headers.traceparent)).toContain(`-${traceId}-`);
    const producer = exporter.getFinishedSpans().find((s) => s.name === 'create hub.order-exception.v1');
    expect(producer?.spanContext().traceId).toBe(traceId);
  });
});
