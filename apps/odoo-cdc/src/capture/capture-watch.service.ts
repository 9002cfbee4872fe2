import type { OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { HealthIndicatorService } from '@nestjs/terminus';
import type { HubMetrics, ReadinessCheck } from '@hub/runtime';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import type { SlotLagMonitor } from '../monitoring/slot-lag.monitor';
import { CAPTURE_STATES, CaptureStatus, interpretStatus, noStatus } from './connector-status';
import type { KafkaConnectClient } from './kafka-connect.client';
import { RestartBackoff, RestartBackoffOptions } from './restart-backoff';

export interface CaptureWatchOptions {
  /** The Debezium connector to watch through Kafka Connect's REST API; none: only the slot is watched. */
  connector?: { client: KafkaConnectClient; name: string };
  /** Reads the replication slot in Odoo's database; none: the slot is not watched. */
  slots?: SlotLagMonitor;
  /** The slot watched while the connector's configuration names none (or cannot be read). */
  slotName: string;
  intervalMs: number;
  backoff: Omit<RestartBackoffOptions, 'resetAfterMs'>;
}

/** What the watch knows of the replication slot: present, missing, or unknown (Odoo's database did not answer). */
export interface SlotState {
  name: string;
  present: boolean | undefined;
  active?: boolean;
  lagBytes?: number;
  error?: string;
}

/**
 * odoo-cdc's watch over its capture. Every interval it reads the Debezium connector's status from Kafka Connect and
 * the replication slot from Odoo's database. A connector or task in FAILED stays failed until someone restarts it
 * (Connect restarts neither): the watch asks Connect to restart the failed instances, with backoff
 * ({@link RestartBackoff}). A slot that disappeared is not something a restart repairs: Debezium would create a new
 * slot at the current WAL position and the changes in between would be lost to the hub. So it is an alert, in
 * readiness (down) and in `hub_cdc_replication_slot_present` (0), never only a lag series that stops.
 */
export class CaptureWatch implements OnApplicationBootstrap, OnApplicationShutdown {
  status: CaptureStatus | undefined;
  slot: SlotState;
  readonly restarts = { accepted: 0, failed: 0 };
  private readonly backoff: RestartBackoff;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private checking: Promise<void> | undefined;
  private slotRead = false;

  constructor(
    private readonly options: CaptureWatchOptions,
    private readonly log: Logger,
  ) {
    this.slot = { name: options.slotName, present: undefined };
    // A run as long as the longest wait forgives the past restarts (at least a minute).
    this.backoff = new RestartBackoff({ ...options.backoff, resetAfterMs: Math.max(60_000, options.backoff.maxMs) });
  }

  onApplicationBootstrap(): void {
    const loop = async () => {
      await this.check();
      if (!this.stopped) this.timer = setTimeout(() => void loop(), this.options.intervalMs);
    };
    void loop();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.checking;
  }

  /** One round: the connector (and a restart if it failed and the backoff allows), then the slot. Never throws. */
  check(now = Date.now()): Promise<void> {
    this.checking = (async () => {
      if (this.options.connector) await this.checkConnector(this.options.connector, now);
      if (this.options.slots) await this.checkSlot(this.options.slots);
    })();
    return this.checking;
  }

  private async checkConnector(c: { client: KafkaConnectClient; name: string }, now: number): Promise<void> {
    const before = this.status;
    try {
      const body = await c.client.status(c.name);
      this.status = body ? interpretStatus(body) : noStatus('MISSING');
      if (body) {
        const slotName = (await c.client.config(c.name))?.['slot.name'];
        if (slotName && slotName !== this.slot.name) {
          this.slot = { name: slotName, present: undefined };
          this.slotRead = false;
        }
      }
    } catch (error) {
      this.status = noStatus('UNREACHABLE');
      if (before?.connector !== 'UNREACHABLE') {
        this.log.warn({ connector: c.name, err: error }, 'Kafka Connect did not answer: the capture is not watched');
      }
    }
    const status = this.status;
    if (summary(before) !== summary(status)) {
      const entry = { connector: c.name, state: summary(status), failure: status.failure };
      if (status.failed || status.connector === 'MISSING') this.log.error(entry, 'Debezium capture is not running');
      else this.log.info(entry, 'Debezium capture state');
    }
    if (!this.backoff.observe(now, status)) return;
    try {
      await c.client.restartFailed(c.name);
      this.restarts.accepted++;
      this.backoff.restarted(now);
      this.log.warn(
        {
          connector: c.name,
          attempt: this.backoff.attempts,
          nextNotBeforeMs: this.backoff.delayAfter(this.backoff.attempts),
          failure: status.failure,
        },
        'restarted the failed Debezium connector and tasks',
      );
    } catch (error) {
      this.restarts.failed++;
      this.backoff.restarted(now);
      this.log.error({ connector: c.name, err: error }, 'Kafka Connect refused to restart the failed connector');
    }
  }

  private async checkSlot(slots: SlotLagMonitor): Promise<void> {
    const name = this.slot.name;
    const wasPresent = this.slot.present;
    try {
      const lag = await slots.read(name);
      this.slot = lag ? { name, present: true, active: lag.active, lagBytes: lag.lagBytes } : { name, present: false };
    } catch (error) {
      this.slot = { name, present: undefined, error: (error as Error).message };
    }
    this.slotRead = true;
    if (this.slot.present === false && wasPresent !== false) {
      this.log.error(
        { slot: name },
        "the replication slot is missing from Odoo's database: changes since it was dropped are not captured; re-snapshot after recreating it",
      );
    } else if (this.slot.present === true && wasPresent === false) {
      this.log.warn({ slot: name }, 'the replication slot is back (a new slot starts at the current WAL position)');
    }
  }

  /** Ready unless the slot is missing or the connector is failed or gone; Connect not answering is reported, not fatal. */
  readiness(indicators: HealthIndicatorService): ReadinessCheck {
    return async () => {
      const session = indicators.check('capture');
      const detail: Record<string, unknown> = {
        connector: this.options.connector?.name ?? 'not watched',
        state: summary(this.status),
        restarts: this.restarts.accepted,
        slot: this.options.slots ? this.slot.name : 'not watched',
        slotPresent: this.slot.present ?? 'unknown',
      };
      if (this.options.slots && this.slot.present === false) {
        return session.down({ ...detail, message: `replication slot ${this.slot.name} is missing` });
      }
      if (this.status?.failed || this.status?.connector === 'MISSING') {
        return session.down({
          ...detail,
          message: `connector ${this.options.connector?.name} is ${summary(this.status)}`,
        });
      }
      return session.up(detail);
    };
  }

  /**
   * Metric families: `hub_cdc_connector_state{connector,state}` (1 for the current state), `hub_cdc_connector_tasks
   * {connector,state}`, `hub_cdc_connector_restarts_total{connector,outcome}`; and, with a slot monitor,
   * `hub_cdc_replication_slot_present{slot}` and `hub_cdc_replication_slot_lag_bytes{slot,active}` (NaN while the
   * slot is missing or unreadable: the series stays, its value says "unknown").
   */
  register(metrics: HubMetrics): void {
    const connector = this.options.connector;
    if (connector) {
      metrics.gauge(
        'hub_cdc_connector_state',
        "The Debezium connector's state in Kafka Connect: 1 for the current one (MISSING: no such connector; UNREACHABLE: Connect did not answer; FAILED also when a task is).",
        ['connector', 'state'],
        (set) => {
          const current = summary(this.status);
          for (const state of CAPTURE_STATES) set({ connector: connector.name, state }, state === current ? 1 : 0);
        },
      );
      metrics.gauge(
        'hub_cdc_connector_tasks',
        "The Debezium connector's tasks by state.",
        ['connector', 'state'],
        (set) => {
          for (const state of CAPTURE_STATES) {
            const n = this.status?.tasks.filter((t) => t.state === state).length ?? 0;
            set({ connector: connector.name, state }, n);
          }
        },
      );
      const restarts = this.restarts;
      new Counter({
        name: 'hub_cdc_connector_restarts_total',
        help: 'Restarts of the failed Debezium connector or tasks odoo-cdc asked Kafka Connect for, by outcome (accepted, failed: Connect refused or did not answer).',
        labelNames: ['connector', 'outcome'],
        registers: [metrics.registry],
        collect() {
          this.reset();
          this.inc({ connector: connector.name, outcome: 'accepted' }, restarts.accepted);
          this.inc({ connector: connector.name, outcome: 'failed' }, restarts.failed);
        },
      });
    }
    const slots = this.options.slots;
    if (slots) {
      // A scrape before the watch's first round reads the slot itself, rather than report a slot it never looked at.
      const known = async () => {
        if (!this.slotRead) await this.checkSlot(slots);
      };
      metrics.gauge(
        'hub_cdc_replication_slot_present',
        "1 while the Debezium replication slot exists in Odoo's database; 0 when it is missing (dropped: changes are being lost) or cannot be read.",
        ['slot'],
        async (set) => {
          await known();
          set({ slot: this.slot.name }, this.slot.present ? 1 : 0);
        },
      );
      metrics.gauge(
        'hub_cdc_replication_slot_lag_bytes',
        'WAL the Debezium replication slot holds back in the Odoo database (pg_current_wal_lsn - confirmed_flush_lsn); NaN while the slot is missing or unreadable.',
        ['slot', 'active'],
        async (set) => {
          await known();
          set(
            { slot: this.slot.name, active: String(this.slot.active ?? false) },
            this.slot.present ? (this.slot.lagBytes ?? 0) : NaN,
          );
        },
      );
    }
  }
}

/** One word for a status: FAILED when the connector or a task is, else the connector's state. */
function summary(status: CaptureStatus | undefined): string {
  if (!status) return 'UNKNOWN';
  return status.failed ? 'FAILED' : status.connector;
}
