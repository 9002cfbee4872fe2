// Imported first by main.ts: the OpenTelemetry SDK must be running before Nest loads.
import { startTracing } from '@hub/runtime/tracing/otel-sdk';

startTracing('console');
