/**
 * Kafka Connect's states of a connector or task (`GET /connectors/<name>/status`), and the watch's own two: the
 * connector does not exist (MISSING, a 404) and Connect did not answer (UNREACHABLE).
 */
export const CAPTURE_STATES = [
  'RUNNING',
  'RESTARTING',
  'UNASSIGNED',
  'PAUSED',
  'STOPPED',
  'FAILED',
  'MISSING',
  'UNREACHABLE',
] as const;
export type CaptureState = (typeof CAPTURE_STATES)[number];

/** The body of `GET /connectors/<name>/status`, as far as the watch reads it. */
export interface ConnectStatusBody {
  name: string;
  connector: { state: string; worker_id?: string; trace?: string };
  tasks: { id: number; state: string; worker_id?: string; trace?: string }[];
}

export interface CaptureStatus {
  /** The connector's own state. */
  connector: CaptureState;
  /** Each task's state, by task id. */
  tasks: { id: number; state: CaptureState }[];
  /** The connector or one of its tasks is FAILED: a restart through the REST API is what brings it back. */
  failed: boolean;
  /** The capture runs: the connector and every task (at least one) RUNNING. */
  running: boolean;
  /** The first line of the failed instance's stack trace, for the log. */
  failure?: string;
}

const asState = (s: string): CaptureState =>
  (CAPTURE_STATES as readonly string[]).includes(s) ? (s as CaptureState) : 'UNASSIGNED';

/**
 * Reads a status body. A connector RUNNING with a FAILED task is failed (Connect restarts neither by itself); a
 * RUNNING connector with no task yet is not running (its tasks are being assigned). A state Connect adds in a later
 * version reads as UNASSIGNED: not running, not failed, so the watch neither reports it healthy nor restarts it.
 */
export function interpretStatus(body: ConnectStatusBody): CaptureStatus {
  const connector = asState(body.connector?.state ?? '');
  const tasks = (body.tasks ?? []).map((t) => ({ id: t.id, state: asState(t.state) }));
  const failedTask = (body.tasks ?? []).find((t) => t.state === 'FAILED');
  const failed = connector === 'FAILED' || failedTask !== undefined;
  const trace = connector === 'FAILED' ? body.connector.trace : failedTask?.trace;
  return {
    connector,
    tasks,
    failed,
    running: connector === 'RUNNING' && tasks.length > 0 && tasks.every((t) => t.state === 'RUNNING'),
    ...(trace ? { failure: trace.split('\n')[0] } : {}),
  };
}

/** The watch's status when there is no body to read. */
export const noStatus = (state: 'MISSING' | 'UNREACHABLE'): CaptureStatus => ({
  connector: state,
  tasks: [],
  failed: false,
  running: false,
});
