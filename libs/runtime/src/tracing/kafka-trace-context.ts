import { context, Context, propagation, TextMapGetter, TextMapSetter } from '@opentelemetry/api';
import type { IHeaders } from 'kafkajs';

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

/** Writes the active (or given) trace context into Kafka headers as W3C `traceparent`/`tracestate`. */
export function injectTraceHeaders(headers: IHeaders, ctx: Context = context.active()): IHeaders {
  propagation.inject(ctx, headers, setter);
  return headers;
}

/** Reads the W3C trace context a producer put into Kafka headers; the root context when there is none. */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return propagation.extract(context.active(), headers ?? {}, getter);
}
