/**
 * sale.order and sale.order.line as Odoo 17's sale and sale_stock modules behave for an integration: the order's
 * name from the `sale.order` sequence at creation, invoice and delivery addresses from the customer's contacts,
 * line descriptions, units and prices from the product, amounts and invoice statuses, and `action_confirm`.
 */
import type { PoolClient } from 'pg';

import { UserError } from '../odoo.errors';
import type { Env } from '../orm/env';
import { missingError, type ModelRules, type Orm } from '../orm/orm.service';
import { lineAmounts, lineInvoicing, orderInvoiceStatus, pickingState, reserve } from './sale-order.amounts';
import { nextByCode, nextById, odooNow } from './sequence';

const CUSTOMERS_LOCATION = 5;
const QUOTATION_VALIDITY_DAYS = 30;

interface ProductInfo {
  id: number;
  display_name: string;
  description_sale: string | null;
  uom_id: number;
  list_price: string | null;
  type: string;
  sale_delay: number | null;
  invoice_policy: string | null;
}

async function product(env: Env, id: number): Promise<ProductInfo> {
  const { rows } = await env.cr.query<ProductInfo>(
    `SELECT p.id, ${env.catalogue.require('product.product').displayName('p', env.lang)} AS display_name,
            COALESCE(t.description_sale->>'${env.lang}', t.description_sale->>'en_US') AS description_sale,
            t.uom_id, t.list_price, t.type, t.sale_delay, t.invoice_policy
     FROM product_product p JOIN product_template t ON t.id = p.product_tmpl_id WHERE p.id = $1`,
    [id],
  );
  if (!rows[0]) throw missingError('product.product', [id], env.uid);
  return rows[0];
}

/** `res.partner.address_get(['invoice', 'delivery'])`: the partner itself or the first contact of that type. */
async function addressOf(env: Env, partnerId: number, type: 'invoice' | 'delivery'): Promise<number> {
  const { rows } = await env.cr.query<{ id: number; type: string | null }>(
    'SELECT id, type FROM res_partner WHERE id = $1',
    [partnerId],
  );
  const partner = rows[0];
  if (!partner) throw missingError('res.partner', [partnerId], env.uid);
  if (partner.type === type) return partner.id;
  const child = await env.cr.query<{ id: number }>(
    'SELECT id FROM res_partner WHERE parent_id = $1 AND type = $2 AND active IS TRUE ORDER BY id LIMIT 1',
    [partnerId, type],
  );
  return child.rows[0]?.id ?? partner.id;
}

async function companyCurrency(cr: PoolClient, companyId: number): Promise<number | false> {
  const { rows } = await cr.query<{ currency_id: number }>('SELECT currency_id FROM res_company WHERE id = $1', [
    companyId,
  ]);
  return rows[0]?.currency_id ?? false;
}

function todayPlus(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** Recomputes the lines' amounts and invoicing, then their orders' totals and statuses. */
export async function recomputeOrders(env: Env, orderIds: readonly number[]): Promise<void> {
  if (!orderIds.length) return;
  const { rows: lines } = await env.cr.query<{
    id: number;
    order_id: number;
    state: string | null;
    display_type: string | null;
    product_uom_qty: string;
    price_unit: string;
    discount: string | null;
    qty_delivered: string | null;
    qty_invoiced: string | null;
    invoice_policy: string | null;
  }>(
    `SELECT l.id, l.order_id, o.state, l.display_type, l.product_uom_qty, l.price_unit, l.discount, l.qty_delivered,
            l.qty_invoiced, t.invoice_policy
     FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
     LEFT JOIN product_product p ON p.id = l.product_id LEFT JOIN product_template t ON t.id = p.product_tmpl_id
     WHERE l.order_id = ANY($1::int4[]) ORDER BY l.id`,
    [[...orderIds]],
  );
  const totals = new Map<number, { untaxed: number; tax: number; total: number; statuses: string[] }>();
  for (const id of orderIds) totals.set(id, { untaxed: 0, tax: 0, total: 0, statuses: [] });
  for (const l of lines) {
    const amounts = lineAmounts({
      productUomQty: Number(l.product_uom_qty),
      priceUnit: Number(l.price_unit),
      discount: Number(l.discount ?? 0),
      displayType: l.display_type,
    });
    const invoicing = lineInvoicing({
      state: l.state,
      displayType: l.display_type,
      invoicePolicy: l.invoice_policy,
      productUomQty: Number(l.product_uom_qty),
      qtyDelivered: Number(l.qty_delivered ?? 0),
      qtyInvoiced: Number(l.qty_invoiced ?? 0),
    });
    await env.cr.query(
      `UPDATE sale_order_line SET state = $2, price_subtotal = $3, price_tax = $4, price_total = $5,
              price_reduce_taxexcl = $6, price_reduce_taxinc = $7, qty_to_invoice = $8, invoice_status = $9
       WHERE id = $1 AND (state IS DISTINCT FROM $2 OR price_subtotal IS DISTINCT FROM $3 OR price_tax IS DISTINCT FROM $4
              OR price_total IS DISTINCT FROM $5 OR price_reduce_taxexcl IS DISTINCT FROM $6
              OR qty_to_invoice IS DISTINCT FROM $8 OR invoice_status IS DISTINCT FROM $9)`,
      [
        l.id,
        l.state,
        amounts.price_subtotal,
        amounts.price_tax,
        amounts.price_total,
        amounts.price_reduce_taxexcl,
        amounts.price_reduce_taxinc,
        invoicing.qty_to_invoice,
        invoicing.invoice_status,
      ],
    );
    const t = totals.get(l.order_id);
    if (!t) continue;
    t.untaxed += amounts.price_subtotal;
    t.tax += amounts.price_tax;
    t.total += amounts.price_total;
    if (!l.display_type) t.statuses.push(invoicing.invoice_status);
  }
  for (const [id, t] of totals) {
    const { rows } = await env.cr.query<{ state: string | null }>('SELECT state FROM sale_order WHERE id = $1', [id]);
    const status = orderInvoiceStatus(rows[0]?.state ?? null, t.statuses);
    await env.cr.query(
      `UPDATE sale_order SET amount_untaxed = $2, amount_tax = $3, amount_total = $4, invoice_status = $5
       WHERE id = $1 AND (amount_untaxed IS DISTINCT FROM $2 OR amount_tax IS DISTINCT FROM $3
              OR amount_total IS DISTINCT FROM $4 OR invoice_status IS DISTINCT FROM $5)`,
      [id, round2(t.untaxed), round2(t.tax), round2(t.total), status],
    );
  }
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

async function orderIdsOfLines(env: Env, lineIds: readonly number[]): Promise<number[]> {
  const { rows } = await env.cr.query<{ order_id: number }>(
    'SELECT DISTINCT order_id FROM sale_order_line WHERE id = ANY($1::int4[])',
    [[...lineIds]],
  );
  return rows.map((r) => r.order_id);
}

export function saleOrderRules(): ModelRules {
  return {
    defaults: async (env) => {
      const user = await env.user();
      return {
        state: 'draft',
        date_order: odooNow(),
        company_id: user.companyId,
        user_id: env.uid,
        locked: false,
        picking_policy: 'direct',
        warehouse_id: 1,
        validity_date: todayPlus(QUOTATION_VALIDITY_DAYS),
        currency_id: await companyCurrency(env.cr, user.companyId),
      };
    },

    prepareCreate: async (env, vals) => {
      if (vals['name'] === undefined || vals['name'] === false || vals['name'] === 'New') {
        const user = await env.user();
        vals['name'] = (await nextByCode(env.cr, 'sale.order', Number(vals['company_id'] ?? user.companyId))) ?? 'New';
      }
      const partnerId = vals['partner_id'];
      if (typeof partnerId === 'number') {
        vals['partner_invoice_id'] ??= await addressOf(env, partnerId, 'invoice');
        vals['partner_shipping_id'] ??= await addressOf(env, partnerId, 'delivery');
      }
      vals['invoice_status'] = 'no';
      vals['amount_untaxed'] = 0;
      vals['amount_tax'] = 0;
      vals['amount_total'] = 0;
    },

    afterCreate: (env, ids) => recomputeOrders(env, ids),

    prepareWrite: async (env, _ids, vals) => {
      const partnerId = vals['partner_id'];
      if (typeof partnerId === 'number') {
        if (!('partner_invoice_id' in vals)) vals['partner_invoice_id'] = await addressOf(env, partnerId, 'invoice');
        if (!('partner_shipping_id' in vals)) vals['partner_shipping_id'] = await addressOf(env, partnerId, 'delivery');
      }
    },

    afterWrite: async (env, ids, vals) => {
      if ('state' in vals) {
        await env.cr.query(
          'UPDATE sale_order_line l SET state = o.state FROM sale_order o WHERE o.id = l.order_id AND o.id = ANY($1::int4[]) AND l.state IS DISTINCT FROM o.state',
          [[...ids]],
        );
      }
      await recomputeOrders(env, ids);
    },

    beforeUnlink: async (env, ids) => {
      const { rows } = await env.cr.query<{ id: number }>(
        "SELECT id FROM sale_order WHERE id = ANY($1::int4[]) AND state NOT IN ('draft', 'cancel')",
        [[...ids]],
      );
      if (rows.length) {
        throw new UserError(
          'You can not delete a sent quotation or a confirmed sales order. You must first cancel it.',
        );
      }
    },
  };
}

export function saleOrderLineRules(): ModelRules {
  return {
    defaults: () => ({ sequence: 10, discount: 0, is_downpayment: false, qty_delivered: 0, qty_invoiced: 0 }),

    prepareCreate: async (env, vals) => {
      const orderId = vals['order_id'];
      if (typeof orderId === 'number') {
        const { rows } = await env.cr.query<{
          company_id: number;
          currency_id: number | null;
          partner_id: number;
          user_id: number | null;
          state: string | null;
        }>('SELECT company_id, currency_id, partner_id, user_id, state FROM sale_order WHERE id = $1', [orderId]);
        const order = rows[0];
        if (!order) throw missingError('sale.order', [orderId], env.uid);
        vals['company_id'] = order.company_id;
        vals['currency_id'] = order.currency_id ?? false;
        vals['order_partner_id'] = order.partner_id;
        vals['salesman_id'] = order.user_id ?? false;
        vals['state'] = order.state ?? 'draft';
      }
      if (vals['display_type']) {
        vals['product_uom_qty'] = 0;
        vals['price_unit'] = 0;
        vals['customer_lead'] = 0;
        vals['product_uom'] = false;
        return;
      }
      vals['product_uom_qty'] ??= 1;
      if (typeof vals['product_id'] === 'number') {
        const p = await product(env, vals['product_id']);
        vals['name'] ??= p.description_sale ? `${p.display_name}\n${p.description_sale}` : p.display_name;
        vals['product_uom'] ??= p.uom_id;
        vals['price_unit'] ??= Number(p.list_price ?? 0);
        vals['customer_lead'] ??= p.sale_delay ?? 0;
        vals['qty_delivered_method'] = p.type === 'service' ? 'manual' : 'stock_move';
      } else {
        vals['price_unit'] ??= 0;
        vals['customer_lead'] ??= 0;
      }
    },

    afterCreate: async (env, ids) => recomputeOrders(env, await orderIdsOfLines(env, ids)),

    afterWrite: async (env, ids) => recomputeOrders(env, await orderIdsOfLines(env, ids)),

    beforeUnlink: async (env, ids) => {
      const { rows } = await env.cr.query<{ id: number }>(
        `SELECT l.id FROM sale_order_line l JOIN sale_order o ON o.id = l.order_id
         WHERE l.id = ANY($1::int4[]) AND o.state = 'sale' AND l.display_type IS NULL`,
        [[...ids]],
      );
      if (rows.length) {
        throw new UserError(
          "Once a sales order is confirmed, you can't remove one of its lines (we need to track if something gets invoiced or delivered).\n" +
            'Set the quantity to 0 instead.',
        );
      }
      const orders = await orderIdsOfLines(env, ids);
      return () => recomputeOrders(env, orders);
    },
  };
}

/**
 * `sale.order.action_confirm` as in Odoo 17.0 (sale + sale_stock): only quotations (draft or sent) can be
 * confirmed, else a UserError naming the orders; the orders become `sale` with `date_order` set to now; then, for
 * the lines of goods, the procurement group named after the order, the outgoing transfer of the warehouse (named
 * from its picking type's sequence, origin = the order's name) and one stock move per line, reserved at once from
 * the internal stock (a consumable is always available). Stock move lines are not modelled.
 */
export async function actionConfirm(env: Env, orm: Orm, ids: readonly number[]): Promise<true> {
  const model = env.catalogue.require('sale.order');
  await orm.checkAccess(env, model, 'write');
  const records = await orm.existing(env, model, ids);
  const { rows: orders } = await env.cr.query<{
    id: number;
    name: string;
    state: string | null;
  }>('SELECT id, name, state FROM sale_order WHERE id = ANY($1::int4[]) ORDER BY id', [records]);
  const refused = orders.filter((o) => o.state !== 'draft' && o.state !== 'sent');
  if (refused.length) {
    throw new UserError(
      `The following orders are not in a state requiring confirmation: ${refused.map((o) => o.name).join(', ')}`,
    );
  }
  await orm.write(env, 'sale.order', records, { state: 'sale', date_order: odooNow() });
  for (const order of orders) await launchStockRules(env.sudo(), order.id);
  return true;
}

async function launchStockRules(env: Env, orderId: number): Promise<void> {
  const { rows } = await env.cr.query<{
    id: number;
    name: string;
    partner_shipping_id: number;
    company_id: number;
    picking_policy: string;
    warehouse_id: number | null;
    procurement_group_id: number | null;
    date_order: string;
    commitment_date: string | null;
  }>(
    `SELECT id, name, partner_shipping_id, company_id, picking_policy, warehouse_id, procurement_group_id, date_order,
            commitment_date FROM sale_order WHERE id = $1`,
    [orderId],
  );
  const order = rows[0];
  if (!order) return;
  const { rows: lines } = await env.cr.query<{
    id: number;
    product_id: number;
    product_uom_qty: string;
    product_uom: number;
    customer_lead: number;
    type: string;
  }>(
    `SELECT l.id, l.product_id, l.product_uom_qty, l.product_uom, l.customer_lead, t.type
     FROM sale_order_line l JOIN product_product p ON p.id = l.product_id JOIN product_template t ON t.id = p.product_tmpl_id
     WHERE l.order_id = $1 AND l.display_type IS NULL AND t.type IN ('consu', 'product') AND l.product_uom_qty > 0
     ORDER BY l.sequence, l.id`,
    [orderId],
  );
  if (!lines.length) return;
  const uid = env.uid;
  const now = "(now() AT TIME ZONE 'UTC')";
  let groupId = order.procurement_group_id;
  if (!groupId) {
    const group = await env.cr.query<{ id: number }>(
      `INSERT INTO procurement_group (name, move_type, sale_id, partner_id, create_uid, create_date, write_uid, write_date)
       VALUES ($1, $2, $3, $4, $5, ${now}, $5, ${now}) RETURNING id`,
      [order.name, order.picking_policy, order.id, order.partner_shipping_id, uid],
    );
    groupId = (group.rows[0] as { id: number }).id;
    env.note('procurement.group', 'create', [groupId]);
    await env.cr.query(
      `UPDATE sale_order SET procurement_group_id = $2, write_uid = $3, write_date = ${now} WHERE id = $1`,
      [order.id, groupId, uid],
    );
  }
  const { rows: types } = await env.cr.query<{
    id: number;
    sequence_id: number | null;
    default_location_src_id: number;
  }>(
    `SELECT id, sequence_id, default_location_src_id FROM stock_picking_type
     WHERE code = 'outgoing' AND active IS TRUE AND company_id = $1 AND (warehouse_id = $2 OR $2::int4 IS NULL)
     ORDER BY sequence, id LIMIT 1`,
    [order.company_id, order.warehouse_id],
  );
  const type = types[0];
  if (!type) throw new UserError(`No rule has been found to replenish the products in "Partners/Customers".`);
  const scheduled = addDays(order.date_order, Math.min(...lines.map((l) => Number(l.customer_lead) || 0)));
  const pickingName = (type.sequence_id ? await nextById(env.cr, type.sequence_id) : null) ?? '/';
  const picking = await env.cr.query<{ id: number }>(
    `INSERT INTO stock_picking (name, origin, move_type, state, group_id, priority, scheduled_date, date_deadline, date,
                                location_id, location_dest_id, picking_type_id, partner_id, company_id, sale_id,
                                create_uid, create_date, write_uid, write_date)
     VALUES ($1, $2, $3, 'draft', $4, '0', $5, $6, ${now}, $7, $8, $9, $10, $11, $12, $13, ${now}, $13, ${now}) RETURNING id`,
    [
      pickingName,
      order.name,
      order.picking_policy,
      groupId,
      scheduled,
      order.commitment_date,
      type.default_location_src_id,
      CUSTOMERS_LOCATION,
      type.id,
      order.partner_shipping_id,
      order.company_id,
      order.id,
      uid,
    ],
  );
  const pickingId = (picking.rows[0] as { id: number }).id;
  env.note('stock.picking', 'create', [pickingId]);
  const states: string[] = [];
  for (const line of lines) {
    const demand = Number(line.product_uom_qty);
    const available = line.type === 'product' ? await reserveFromQuants(env.cr, line.product_id, demand) : demand;
    const reservation = reserve(demand, available, line.type === 'product');
    states.push(reservation.state);
    const display = env.catalogue.require('product.product').displayName('p', 'en_US');
    const move = await env.cr.query<{ id: number }>(
      `INSERT INTO stock_move (name, sequence, priority, date, date_deadline, company_id, product_id, product_qty,
                               product_uom_qty, product_uom, quantity, picked, location_id, location_dest_id, partner_id,
                               picking_id, picking_type_id, state, origin, procure_method, group_id, reference,
                               warehouse_id, sale_line_id, create_uid, create_date, write_uid, write_date)
       SELECT ${display}, 10, '0', $1, $2, $3, p.id, $4, $4, $5, $6, false, $7, $8, $9, $10, $11, $12, $13,
              'make_to_stock', $14, $15, $16, $17, $18, ${now}, $18, ${now}
       FROM product_product p WHERE p.id = $19 RETURNING id`,
      [
        addDays(order.date_order, Number(line.customer_lead) || 0),
        order.commitment_date,
        order.company_id,
        demand,
        line.product_uom,
        reservation.quantity,
        type.default_location_src_id,
        CUSTOMERS_LOCATION,
        order.partner_shipping_id,
        pickingId,
        type.id,
        reservation.state,
        order.name,
        groupId,
        pickingName,
        order.warehouse_id,
        line.id,
        uid,
        line.product_id,
      ],
    );
    env.note(
      'stock.move',
      'create',
      move.rows.map((r) => r.id),
    );
  }
  await env.cr.query(`UPDATE stock_picking SET state = $2 WHERE id = $1`, [
    pickingId,
    pickingState(states, order.picking_policy),
  ]);
  await env.cr.query(`UPDATE sale_order SET delivery_status = 'pending' WHERE id = $1`, [order.id]);
}

/** Reserves up to `demand` of a storable product in the internal locations, oldest quants first; returns what it got. */
async function reserveFromQuants(cr: PoolClient, productId: number, demand: number): Promise<number> {
  const { rows } = await cr.query<{ id: number; free: string }>(
    `SELECT q.id, q.quantity - q.reserved_quantity AS free FROM stock_quant q JOIN stock_location l ON l.id = q.location_id
     WHERE q.product_id = $1 AND l.usage = 'internal' AND q.quantity - q.reserved_quantity > 0
     ORDER BY q.in_date, q.id FOR UPDATE OF q`,
    [productId],
  );
  let reserved = 0;
  for (const quant of rows) {
    if (reserved >= demand) break;
    const take = Math.min(Number(quant.free), demand - reserved);
    await cr.query(
      `UPDATE stock_quant SET reserved_quantity = reserved_quantity + $2, write_date = (now() AT TIME ZONE 'UTC') WHERE id = $1`,
      [quant.id, take],
    );
    reserved += take;
  }
  return reserved;
}

function addDays(datetime: string, days: number): string {
  const base = new Date(`${datetime.slice(0, 19).replace(' ', 'T')}Z`);
  return odooNow(new Date(base.getTime() + days * 86_400_000));
}
