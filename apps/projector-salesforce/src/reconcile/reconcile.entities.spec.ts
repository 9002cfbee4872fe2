import { parseDuration, parseSchedule, reconcileEntityOf } from './reconcile.entities';
import { odooIdOf } from './reconciler.service';

describe('reconcile entities and windows', () => {
  it('reads durations', () => {
    expect(parseDuration('24h')).toBe(86_400_000);
    expect(parseDuration('15m')).toBe(900_000);
    expect(parseDuration('7d')).toBe(604_800_000);
    expect(parseDuration('0h')).toBeUndefined();
    expect(parseDuration('yesterday')).toBeUndefined();
  });

  it('reads a schedule per entity and names a bad entry', () => {
    expect(parseSchedule('Account=15m, Order=5m')).toEqual(
      new Map([
        ['Account', 900_000],
        ['Order', 300_000],
      ]),
    );
    expect(parseSchedule('')).toEqual(new Map());
    expect(parseSchedule('Widget=5m')).toContain('unknown entity "Widget"');
    expect(parseSchedule('Order=often')).toContain('bad interval "often" for Order');
  });

  it('reconciles OrderItem with its Order, a PricebookEntry with its product, and knows canonical names', () => {
    expect(reconcileEntityOf('OrderItem')).toBe('Order');
    expect(reconcileEntityOf('PricebookEntry')).toBe('Product2');
    expect(reconcileEntityOf('Contact')).toBe('Contact');
    expect(reconcileEntityOf('Invoice')).toBe('Odoo_Invoice__c');
    expect(reconcileEntityOf('Odoo_Shipment__c')).toBe('Odoo_Shipment__c');
    expect(reconcileEntityOf('Widget')).toBeUndefined();
    // Not an alias: an inherited property of a plain object.
    expect(reconcileEntityOf('toString')).toBeUndefined();
  });

  it("reads an aggregate's Odoo id from its key, not from a line's", () => {
    expect(odooIdOf('odoo-sale-order-42', 'odoo-sale-order-')).toBe(42);
    expect(odooIdOf('odoo-sale-order-line-42', 'odoo-sale-order-')).toBeUndefined();
    expect(odooIdOf('odoo-partner-7', 'odoo-sale-order-')).toBeUndefined();
  });
});
