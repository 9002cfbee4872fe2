import {
  ROOT_CONTEXT,
  Attributes,
  context,
  Context,
  propagation,
  SpanKind,
  SpanStatusCode,
  TextMapGetter,
  TextMapSetter,
  trace,
} from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';
import { envelopeAttributes, TracedEnvelope } from './hub-span-attributes';

const getter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first = Array.isArray(value) ? value[0] : value;
    return first === undefined ? undefined : first.toString();
  },
};

const setter: TextMapSetter<IHeaders> = {
  set: (carrier, key, value) => {
    carrier[key] = value;
  },
};

const tracer = () => trace.getTracer('hub-kafka');

/**
 * Writes the active (or given) trace context into Kafka headers as W3C `traceparent`/`tracestate`, replacing the ones
 * there; headers are left as they are when the context holds no span.
 */
export function injectTraceHeaders(headers: IHeaders, ctx: Context = context.active()): IHeaders {
  propagation.inject(ctx, headers, setter);
  return headers;
}

/** Reads the W3C trace context a producer put into Kafka headers; the root context when there is none. */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return propagation.extract(context.active(), headers ?? {}, getter);
}

/** OpenTelemetry messaging attributes of a record produced to Kafka. */
export function producedRecordAttributes(
  topic: string,
  key: string | undefined,
  operation: 'create' | 'send',
): Attributes {
  return {
    'messaging.system': 'kafka',
    'messaging.operation.type': operation,
    'messaging.operation.name': operation,
    'messaging.destination.name': topic,
    ...(key === undefined ? {} : { 'messaging.kafka.message.key': key }),
  };
}

/**
 * Records one message being produced: a PRODUCER span `create <topic>` (a child of the active span, or the first span
 * of a new trace when there is none, as for a webhook's or a change event's record), labelled with the messaging
 * attributes and `attributes`, and returns headers carrying its context for the consumer's span to continue. The span
 * ends at once: the message is sent later, with others (a batch, a fetch's flush, a transaction).
 */
export function traceProducedRecord(
  topic: string,
  key: string | undefined,
  attributes: Attributes = {},
  parent: Context = context.active(),
): IHeaders {
  const span = tracer().startSpan(
    `create ${topic}`,
    { kind: SpanKind.PRODUCER, attributes: { ...producedRecordAttributes(topic, key, 'create'), ...attributes } },
    parent,
  );
  span.end();
  return injectTraceHeaders({}, trace.setSpan(parent, span));
}

/** {@link traceProducedRecord} for a canonical event: labelled with its envelope (canonical id, source, position). */
export function traceCanonicalRecord(record: {
  topic: string;
  key: string;
  envelope?: TracedEnvelope;
  traceContext?: unknown;
}): IHeaders {
  const parent = (record.traceContext as Context | undefined) ?? context.active();
  return traceProducedRecord(record.topic, record.key, envelopeAttributes(record.envelope), parent);
}

/**
 * Runs `work` as a CONSUMER span `name` (a message received from a stream that is not a Kafka topic the runner reads,
 * e.g. a Salesforce change event): the first span of a record's trace unless `parent` holds one. The span ends with
 * `work`, failed if it throws.
 */
export async function inConsumerSpan<T>(
  name: string,
  attributes: Attributes,
  work: () => Promise<T>,
  parent: Context = context.active(),
): Promise<T> {
  const span = tracer().startSpan(name, { kind: SpanKind.CONSUMER, attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), work);
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    throw error;
  } finally {
    span.end();
  }
}

/** The active trace context, to hand to a record published later in another context (`OutgoingRecord.traceContext`). */
export function activeTraceContext(): Context {
  return context.active();
}

/**
 * The active span's W3C `traceparent`, to store with a change published later from a store (an outbox row), or null
 * when no span is active.
 */
export function activeTraceParent(): string | null {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ?? null;
}

/** The trace context a stored `traceparent` names, for `OutgoingRecord.traceContext`; undefined for none. */
export function traceContextOf(traceparent: string | null | undefined): Context | undefined {
  return traceparent ? propagation.extract(ROOT_CONTEXT, { traceparent }) : undefined;
}
