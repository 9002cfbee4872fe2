// Imported first by main.ts: the OpenTelemetry SDK must be running before Nest and kafkajs load.
import { startTracing } from '@hub/runtime/tracing/otel-sdk';

startTracing('projector-odoo');
