import { NodeSDK } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { BatchSpanProcessor, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { traceOutboundHttp } from './http-client-spans';

let sdk: NodeSDK | undefined;
let stopHttpSpans: (() => void) | undefined;

/**
 * Starts the OpenTelemetry SDK. Call it before Nest is imported (each app's `tracing.ts`, imported first by `main.ts`).
 *
 * Spans are exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT (or ..._TRACES_ENDPOINT) is set, e.g. to Jaeger's
 * :4318. Without it, spans are still created and their W3C context still travels in Kafka headers, so traces stay
 * joined across hops even where nothing collects them.
 */
export function startTracing(serviceName: string): void {
  if (sdk) return;
  const endpoint = process.env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? process.env.OTEL_EXPORTER_OTLP_ENDPOINT;
  const spanProcessors: SpanProcessor[] = endpoint ? [new BatchSpanProcessor(new OTLPTraceExporter())] : [];
  process.env.OTEL_SERVICE_NAME ??= serviceName;
  sdk = new NodeSDK({
    serviceName: process.env.OTEL_SERVICE_NAME,
    spanProcessors,
    textMapPropagator: new W3CTraceContextPropagator(),
    // No instrumentation packages: the consumer runner, the publishers and the HTTP middleware make the messaging
    // and server spans, and traceOutboundHttp the client spans of every outbound call.
    instrumentations: [],
  });
  sdk.start();
  stopHttpSpans = traceOutboundHttp();
}

/** Flushes pending spans; called from the apps' shutdown hooks. */
export async function stopTracing(): Promise<void> {
  stopHttpSpans?.();
  stopHttpSpans = undefined;
  await sdk?.shutdown();
  sdk = undefined;
}
