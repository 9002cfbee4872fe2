import { HUB_MODULE, OdooPort, OdooRecord } from '@hub/odoo';

/** A return picking in Odoo: its reference (WH/IN/00007) and state (assigned = Ready). */
export interface OdooReturn {
  id: number;
  name: string;
  state: string;
}

/** `create_returns` answers a window action on the new picking. */
interface WindowAction {
  res_model?: unknown;
  res_id?: unknown;
}

/** Odoo stores datetimes in UTC as `YYYY-MM-DD HH:MM:SS`. */
const odooDatetime = (at: Date) => at.toISOString().slice(0, 19).replace('T', ' ');

/**
 * Returns of delivered pickings, made the way Odoo's own "Return" button makes them: the `stock.return.picking`
 * wizard on the delivery (its lines computed from what was delivered and not yet returned), then `create_returns`,
 * which creates the receipt linked to the delivery (`return_id`, origin "Return of WH/OUT/…"). Odoo has no
 * idempotency key for that, so the hub records an external id on the new picking and looks it up before creating.
 */
export class OdooReturns {
  constructor(private readonly odoo: OdooPort) {}

  /** The return recorded under this external id, if the hub made it. */
  async recorded(externalId: string): Promise<OdooReturn | undefined> {
    const ids = await this.odoo.searchRead(
      'ir.model.data',
      [
        ['module', '=', HUB_MODULE],
        ['name', '=', externalId],
        ['model', '=', 'stock.picking'],
      ],
      ['res_id'],
      { limit: 1 },
    );
    const pickingId = Number(ids[0]?.['res_id']);
    return Number.isInteger(pickingId) && pickingId > 0 ? this.read(pickingId) : undefined;
  }

  /**
   * A return of the delivery the hub's user created since `since` that carries no hub external id: the one an
   * earlier attempt made before it could record its id (a crash between the two calls).
   */
  async unrecordedSince(deliveryId: number, since: Date): Promise<OdooReturn | undefined> {
    const uid = await this.odoo.uid();
    const candidates = await this.odoo.searchRead(
      'stock.picking',
      [
        ['return_id', '=', deliveryId],
        ['create_uid', '=', uid],
        ['create_date', '>=', odooDatetime(since)],
      ],
      ['name', 'state'],
      { order: 'id' },
    );
    if (candidates.length === 0) return undefined;
    const recorded = await this.odoo.searchRead(
      'ir.model.data',
      [
        ['module', '=', HUB_MODULE],
        ['model', '=', 'stock.picking'],
        ['res_id', 'in', candidates.map((c) => c.id)],
      ],
      ['res_id'],
    );
    const taken = new Set(recorded.map((r) => Number(r['res_id'])));
    const found = candidates.find((c) => !taken.has(c.id));
    return found ? toReturn(found) : undefined;
  }

  /** Creates the return of everything of the delivery not returned yet, and records its external id. */
  async create(deliveryId: number, externalId: string): Promise<OdooReturn> {
    const wizard = await this.odoo.create('stock.return.picking', { picking_id: deliveryId });
    const action = (await this.odoo.callMethod('stock.return.picking', 'create_returns', [wizard])) as WindowAction;
    const pickingId = Number(action?.res_id);
    if (action?.res_model !== 'stock.picking' || !Number.isInteger(pickingId)) {
      throw new Error(`create_returns answered no picking: ${JSON.stringify(action)}`);
    }
    await this.record(pickingId, externalId);
    return this.read(pickingId);
  }

  /** Records the hub's external id on a return picking. */
  async record(pickingId: number, externalId: string): Promise<void> {
    await this.odoo.create('ir.model.data', {
      module: HUB_MODULE,
      name: externalId,
      model: 'stock.picking',
      res_id: pickingId,
    });
  }

  private async read(pickingId: number): Promise<OdooReturn> {
    const rows = await this.odoo.searchRead('stock.picking', [['id', '=', pickingId]], ['name', 'state'], {
      limit: 1,
    });
    if (!rows[0]) throw new Error(`return picking ${pickingId} not found in Odoo`);
    return toReturn(rows[0]);
  }
}

function toReturn(row: OdooRecord): OdooReturn {
  return { id: row.id, name: String(row['name']), state: String(row['state']) };
}
