import type { OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';

export interface SlotLag {
  slot: string;
  active: boolean;
  lagBytes: number;
}

/**
 * Reads how much WAL the Debezium replication slot holds back in the Odoo database. A slot whose consumer is gone
 * keeps every WAL segment since its position, which eventually fills the database disk: this is the number to alert on.
 */
export class SlotLagMonitor implements OnApplicationShutdown {
  private readonly pool: Pool;

  constructor(url: string) {
    this.pool = new Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5_000 });
    this.pool.on('error', () => undefined);
  }

  /** The slot's lag; undefined when Odoo's database has no slot of that name (dropped, or never created). */
  async read(slotName: string): Promise<SlotLag | undefined> {
    const { rows } = await this.pool.query<{ active: boolean; lag_bytes: string | null }>(
      `SELECT active, pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::bigint AS lag_bytes
       FROM pg_replication_slots WHERE slot_name = $1`,
      [slotName],
    );
    if (!rows[0]) return undefined;
    return { slot: slotName, active: rows[0].active, lagBytes: Number(rows[0].lag_bytes ?? 0) };
  }

  async onApplicationShutdown() {
    await this.pool.end();
  }
}
