import type { FieldValue } from './salesforce-change';
import type { PubSubSession } from './pubsub-change-stream.adapter';

/** A record as the REST API returns it: field name → value; relationship fields as nested records. */
export interface RestRecord {
  [field: string]: FieldValue | RestRecord;
}

/** An order and its products, read whole when a rep activates it. */
export interface OrderRead {
  order: RestRecord;
  items: RestRecord[];
}

/** What ingress reads from Salesforce's REST API: repairs after a gap, records it never saw, activated orders. */
export abstract class SalesforceReader {
  /** The records of `entity` with these ids (deleted ones are absent), with `fields`. */
  abstract byIds(entity: string, ids: string[], fields: readonly string[]): Promise<RestRecord[]>;
  /** Records of `entity` changed at or after `since` (SystemModstamp), with `fields`, oldest first. */
  abstract changedSince(entity: string, since: Date, fields: readonly string[]): Promise<RestRecord[]>;
  /**
   * Orders with their account, price book and products, by Id; an order that no longer exists is absent. Read a
   * batch's activated orders at once: two queries per 200 orders, not two per order.
   */
  abstract readOrders(orderIds: readonly string[]): Promise<Map<string, OrderRead>>;
  /** The session the Pub/Sub API authenticates with. */
  abstract session(): Promise<PubSubSession>;
}
