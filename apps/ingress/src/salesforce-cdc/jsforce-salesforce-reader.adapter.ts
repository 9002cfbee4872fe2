import { Connection } from 'jsforce';
import type { Logger } from 'pino';
import { TransientError } from '@hub/resilience';
import type { PubSubSession } from './pubsub-change-stream.adapter';
import { OrderRead, RestRecord, SalesforceReader } from './salesforce-reader.port';

export interface JsforceReaderOptions {
  loginUrl: string;
  clientId: string;
  /** The consumer secret, or a function answering its current value (a rotated SF_CLIENT_SECRET_FILE). */
  clientSecret: string | (() => string);
  apiVersion: string;
  /** Named in `Sforce-Call-Options: client=…` on every call, like the projectors' writes. */
  callClient: string;
  log: Logger;
}

/** SOQL `IN` lists are kept short enough for the URL. */
const IDS_PER_QUERY = 200;

/** An 18-character (or 15) Salesforce Id: the only thing interpolated into SOQL besides field names. */
const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

const ORDER_FIELDS = [
  'Id',
  'Name',
  'Status',
  'AccountId',
  'Account.Odoo_Id__c',
  'Pricebook2Id',
  'Pricebook2.Name',
  'EffectiveDate',
  'PoNumber',
  'Description',
  'TotalAmount',
  'ShippingStreet',
  'ShippingCity',
  'ShippingPostalCode',
  'ShippingCountry',
  // Who is told when Odoo cannot take the order (a Task from the hub's work queue).
  'OwnerId',
  'Odoo_Id__c',
];
const ORDER_ITEM_FIELDS = [
  'Id',
  'Quantity',
  'UnitPrice',
  'Description',
  'Product2Id',
  'Product2.Name',
  'Product2.ProductCode',
  'Product2.StockKeepingUnit',
  'Product2.Odoo_Id__c',
  'PricebookEntry.UnitPrice',
];

/**
 * The only file of ingress that imports jsforce: OAuth 2.0 client credentials (a new token when a call is refused
 * with INVALID_SESSION_ID), SOQL reads. Failures are transient: the capture service retries the whole batch.
 */
export class JsforceSalesforceReader extends SalesforceReader {
  private readonly conn: Connection;
  private authorized?: Promise<PubSubSession>;

  constructor(private readonly options: JsforceReaderOptions) {
    super();
    this.conn = new Connection({
      loginUrl: options.loginUrl,
      version: options.apiVersion,
      callOptions: { client: options.callClient },
      oauth2: { clientId: options.clientId, clientSecret: this.currentSecret(), loginUrl: options.loginUrl },
      refreshFn: (conn, callback) => {
        this.authorized = undefined;
        conn.oauth2.clientSecret = this.currentSecret();
        conn.oauth2
          .requestToken({ grant_type: 'client_credentials' })
          .then((res) => callback(null, res.access_token, res))
          .catch((err: Error) => callback(err));
      },
    });
  }

  /** Read for each token request, so a rotated secret is used by the next one. */
  private currentSecret(): string {
    const { clientSecret } = this.options;
    return typeof clientSecret === 'function' ? clientSecret() : clientSecret;
  }

  session(): Promise<PubSubSession> {
    this.conn.oauth2.clientSecret = this.currentSecret();
    this.authorized ??= this.conn
      .authorize({ grant_type: 'client_credentials' })
      .then((user) => ({
        accessToken: this.conn.accessToken!,
        instanceUrl: this.conn.instanceUrl,
        organizationId: user.organizationId,
      }))
      .catch((error: unknown) => {
        this.authorized = undefined;
        throw new TransientError('SALESFORCE_AUTH', `salesforce login failed: ${(error as Error).message}`, {
          cause: error,
        });
      });
    return this.authorized;
  }

  async byIds(entity: string, ids: string[], fields: readonly string[]): Promise<RestRecord[]> {
    const safe = ids.filter((id) => SALESFORCE_ID.test(id));
    const out: RestRecord[] = [];
    for (let i = 0; i < safe.length; i += IDS_PER_QUERY) {
      const list = safe.slice(i, i + IDS_PER_QUERY).map((id) => `'${id}'`);
      out.push(...(await this.query(`SELECT ${select(fields)} FROM ${entity} WHERE Id IN (${list.join(', ')})`)));
    }
    return out;
  }

  changedSince(entity: string, since: Date, fields: readonly string[]): Promise<RestRecord[]> {
    return this.query(
      `SELECT ${select(fields)} FROM ${entity} WHERE SystemModstamp >= ${since.toISOString().replace(/\.\d{3}Z$/, 'Z')} ` +
        'ORDER BY SystemModstamp ASC',
    );
  }

  async readOrders(orderIds: readonly string[]): Promise<Map<string, OrderRead>> {
    const safe = [...new Set(orderIds)].filter((id) => SALESFORCE_ID.test(id));
    const out = new Map<string, OrderRead>();
    for (let i = 0; i < safe.length; i += IDS_PER_QUERY) {
      const list = safe.slice(i, i + IDS_PER_QUERY).map((id) => `'${id}'`);
      const orders = await this.query(`SELECT ${ORDER_FIELDS.join(', ')} FROM Order WHERE Id IN (${list.join(', ')})`);
      if (!orders.length) continue;
      for (const order of orders) out.set(String(order.Id), { order, items: [] });
      // Ordered by Id: each order's products keep the order the rep added them in.
      const items = await this.query(
        `SELECT OrderId, ${ORDER_ITEM_FIELDS.join(', ')} FROM OrderItem ` +
          `WHERE OrderId IN (${orders.map((o) => `'${String(o.Id)}'`).join(', ')}) ORDER BY Id ASC`,
      );
      for (const { OrderId, ...item } of items) out.get(String(OrderId))?.items.push(item);
    }
    return out;
  }

  private async query(soql: string): Promise<RestRecord[]> {
    await this.session();
    try {
      const result = await this.conn.query<RestRecord>(soql, { autoFetch: true, maxFetch: 1_000_000 });
      return result.records.map(withoutAttributes);
    } catch (error) {
      throw new TransientError('SALESFORCE_READ', `salesforce query failed: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
}

const select = (fields: readonly string[]) => [...new Set(['Id', ...fields])].join(', ');

/** Drops the `attributes` jsforce leaves on every record and nested record. */
function withoutAttributes(record: RestRecord): RestRecord {
  const out: RestRecord = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'attributes') continue;
    out[key] = value !== null && typeof value === 'object' ? withoutAttributes(value) : value;
  }
  return out;
}
