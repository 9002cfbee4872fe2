import { Injectable } from '@nestjs/common';
import { DeferredEffects, DeferredSender } from '@hub/canonical';
import { DeferredDurabilityDatabase } from '@hub/runtime';
import { CdcMirror } from '../mirror/cdc-mirror.repository';
import { PendingAggregates } from '../mirror/pending-aggregates.repository';

/**
 * What handling a fetch of the Odoo stream leaves to make durable before its offsets are committed: the mirror's
 * held rows (written in one statement), the aggregates its transactions touched (written in a few statements), the
 * mirror's writes (flushed to disk once per fetch) and the canonical events (one produce request per fetch). The
 * mirror comes first, so no event leaves before the rows it was built from are safe: if Kafka then refuses the events,
 * the fetch is read again, its rows applied again at the same positions and the same events published again.
 */
@Injectable()
export class CdcFetchEffects implements DeferredEffects {
  constructor(
    private readonly db: DeferredDurabilityDatabase,
    private readonly mirror: CdcMirror,
    private readonly pending: PendingAggregates,
    private readonly sender: DeferredSender,
  ) {}

  get size(): number {
    return Math.max(this.sender.size, this.db.pending, this.pending.unsavedCount, this.mirror.unwritten);
  }

  async flush(): Promise<void> {
    await this.mirror.flushWrites();
    await this.pending.save();
    await this.db.makeDurable();
    await this.sender.flush();
  }

  discard(): void {
    this.mirror.discardUnwritten();
    this.pending.discardUnsaved();
    this.sender.discard();
  }
}
