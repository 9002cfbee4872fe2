import { loadFieldOwnership } from '@hub/canonical';
import { defaultMappingPath, MappingError, SalesforceMapping } from './salesforce-mapping';
import { MappingValueError } from './value-expression';

const ownership = loadFieldOwnership();
const mapping = SalesforceMapping.load(defaultMappingPath(), ownership);

const order = {
  id: 'odoo-sale-order-7',
  odooId: 7,
  name: 'S00007',
  state: 'sale',
  locked: false,
  customerId: 'odoo-partner-3',
  invoiceAddressId: null,
  shippingAddressId: null,
  customerReference: 'PO-1',
  // Entered in Odoo: no Salesforce order linked (see the linked order below).
  salesforceOrderId: null,
  orderDate: Date.UTC(2026, 10, 20, 14, 30),
  commitmentDate: null,
  validityDate: null,
  currencyCode: 'EUR',
  amountUntaxed: '100.0000',
  amountTax: '21.0000',
  amountTotal: '121.0000',
  invoiceStatus: 'to invoice',
  lines: [
    { odooId: 70, sequence: 1, displayType: 'line_section', productId: null, description: 'Hardware' },
    {
      odooId: 71,
      sequence: 2,
      displayType: null,
      productId: 'odoo-product-5',
      description: 'Desk',
      quantity: '2.0000',
      unitPrice: '50.0000',
      discountPercent: '0.0000',
      subtotal: '100.0000',
      total: '121.0000',
      quantityDelivered: '0.0000',
      quantityInvoiced: '0.0000',
    },
  ],
};

describe('SalesforceMapping', () => {
  it('loads the shipped mapping file and needs the standard price book', () => {
    expect(mapping.entityNames).toEqual(
      expect.arrayContaining([
        'Customer',
        'Contact',
        'Product',
        'InventoryLevel',
        'SalesOrder',
        'Invoice',
        'Payment',
        'Shipment',
        'CustomerServiceLoad',
      ]),
    );
    expect(mapping.usesStandardPricebook('Product')).toBe(true);
    expect(mapping.usesStandardPricebook('Customer')).toBe(false);
  });

  it('names which entities create an object, and what records an entity needs others to write (batch windows)', () => {
    expect(mapping.creatorsOf('PricebookEntry')).toEqual(['Product']);
    expect(mapping.creatorsOf('Product2')).toEqual(['Product']);
    expect(mapping.creatorsOf('Account')).toEqual(['Customer']);
    expect(mapping.needs('SalesOrder')).toEqual(
      expect.arrayContaining([
        { object: 'Account', how: 'ref' },
        { object: 'Order', how: 'ref' },
        { object: 'PricebookEntry', how: 'ref' },
      ]),
    );
    expect(mapping.needs('InventoryLevel')).toEqual([{ object: 'Product2', how: 'merge' }]);
    expect(mapping.needs('Contact')).toEqual([{ object: 'Account', how: 'ref' }]);
  });

  it('plans an order as the Order, then its product lines, skipping section lines', () => {
    const [orderStep, itemStep] = mapping.plan('SalesOrder', order, { standardPricebookId: '01s000000000001' });
    expect(orderStep).toHaveLength(1);
    expect(orderStep[0]).toMatchObject({
      object: 'Order',
      externalIdField: 'Odoo_Id__c',
      externalId: 'odoo-sale-order-7',
      kind: 'upsert',
      createOnly: { Pricebook2Id: '01s000000000001' },
    });
    expect(orderStep[0].fields).toMatchObject({
      Account: { Odoo_Id__c: 'odoo-partner-3' },
      Status: 'Confirmed',
      EffectiveDate: '2026-11-20',
      Odoo_Amount_Total__c: 121,
      PoNumber: 'PO-1',
    });
    // Entered in Odoo: upserted by its external id, created if Salesforce does not have it.
    expect(orderStep[0]).not.toHaveProperty('linkedBy');
    expect(itemStep).toHaveLength(1);
    expect(itemStep[0]).toMatchObject({
      object: 'OrderItem',
      externalId: 'odoo-sale-order-line-71',
      createOnly: { Order: { Odoo_Id__c: 'odoo-sale-order-7' }, PricebookEntry: { Odoo_Id__c: 'odoo-product-5' } },
      fields: { Quantity: 2, UnitPrice: 50, Description: 'Desk' },
    });
  });

  it('writes only target fields computed from fields the event may write (ownership), and no write without fields', () => {
    const writable = new Set(['id', 'name', 'state', 'customerId']);
    const steps = mapping.plan('SalesOrder', order, { standardPricebookId: '01s000000000001', writable });
    expect(steps).toHaveLength(1);
    const [orderWrite] = steps[0];
    expect(orderWrite.fields).toMatchObject({ Status: 'Confirmed', Account: { Odoo_Id__c: 'odoo-partner-3' } });
    // PoNumber comes from customerReference, the amount from amountTotal: neither is writable here.
    expect(orderWrite.fields).not.toHaveProperty('PoNumber');
    expect(orderWrite.fields).not.toHaveProperty('Odoo_Amount_Total__c');
    // Nothing of the lines is writable: no OrderItem write at all.
    expect(mapping.plan('SalesOrder', order, { standardPricebookId: '01s1', writable: new Set() })).toEqual([]);
  });

  it("plans an order a rep captured in Salesforce and Odoo linked as an update of that Order: Odoo's fields, no lines", () => {
    const linked = { ...order, salesforceOrderId: '801000000000001AAA' };
    const [[orderWrite], itemStep] = mapping.plan('SalesOrder', linked, { standardPricebookId: '01s000000000001' });
    expect(orderWrite).toMatchObject({
      object: 'Order',
      externalIdField: 'Odoo_Id__c',
      externalId: 'odoo-sale-order-7',
      linkedBy: { field: 'Id', value: '801000000000001AAA' },
      // The order exists: nothing create-only (its price book is the rep's), and no Account to wait for.
      createOnly: {},
      parents: [],
    });
    expect(orderWrite.fields).toMatchObject({
      Odoo_Name__c: 'S00007',
      Odoo_State__c: 'sale',
      Odoo_Invoice_Status__c: 'to invoice',
      Odoo_Amount_Total__c: 121,
      Odoo_Deleted__c: false,
    });
    // The rep's own header fields stay as the rep set them.
    for (const field of ['Account', 'Name', 'Status', 'EffectiveDate', 'Pricebook2Id']) {
      expect(orderWrite.fields).not.toHaveProperty(field);
    }
    // Its products are the rep's OrderItems: none planned from Odoo's lines.
    expect(itemStep).toEqual([]);
    // For an org that never had that Order, the write as an unlinked one: the whole header, create-only fields and
    // the Account to wait for.
    expect(orderWrite.linkedBy!.unlinked).toMatchObject({
      fields: { Name: 'S00007', Status: 'Confirmed', Account: { Odoo_Id__c: 'odoo-partner-3' } },
      createOnly: { Pricebook2Id: '01s000000000001' },
      parents: [{ object: 'Account', externalIdField: 'Odoo_Id__c', externalId: 'odoo-partner-3' }],
    });
  });

  it('links a customer by its Salesforce Id only when the event may speak about the link', () => {
    const customer = {
      id: 'odoo-partner-3',
      odooId: 3,
      salesforceId: '001000000000001AAA',
      name: 'Azure Interior',
      reference: null,
      vat: null,
      email: null,
      phone: null,
      website: null,
      address: null,
      industry: null,
      active: true,
    };
    const [[account]] = mapping.plan('Customer', customer);
    expect(account).toMatchObject({
      object: 'Account',
      externalId: 'odoo-partner-3',
      linkedBy: { field: 'Id', value: '001000000000001AAA' },
      fields: { Name: 'Azure Interior' },
    });
    const [[unlinked]] = mapping.plan('Customer', customer, { writable: new Set(['id', 'name']) });
    expect(unlinked).not.toHaveProperty('linkedBy');
    const [[unset]] = mapping.plan('Customer', { ...customer, salesforceId: null });
    expect(unset).not.toHaveProperty('linkedBy');
  });

  it('names the writes made once per element of a list, whose records an entity can lose', () => {
    expect(mapping.childWrites('SalesOrder')).toEqual([
      { object: 'OrderItem', externalIdField: 'Odoo_Id__c', listField: 'lines' },
    ]);
    expect(mapping.childWrites('Customer')).toEqual([]);
  });

  it('splits a contact name and clears the Account lookup when the contact has no company', () => {
    const [[contact]] = mapping.plan('Contact', {
      id: 'odoo-partner-9',
      odooId: 9,
      customerId: null,
      name: 'Mary Ann Smith',
      jobTitle: null,
      email: 'm@example.com',
      phone: null,
      mobile: null,
      active: true,
    });
    expect(contact.fields).toMatchObject({ FirstName: 'Mary Ann', LastName: 'Smith', AccountId: null });
    expect(contact.fields).not.toHaveProperty('Account');
  });

  it('plans a deletion as flag writes keyed by the canonical id, and none for merge writes', () => {
    expect(mapping.planDeletion('Product', 'odoo-product-5')).toEqual([
      [
        expect.objectContaining({
          object: 'Product2',
          kind: 'flag',
          fields: { IsActive: false, Odoo_Deleted__c: true },
        }),
      ],
      [expect.objectContaining({ object: 'PricebookEntry', kind: 'flag', externalId: 'odoo-product-5' })],
    ]);
    expect(mapping.planDeletion('InventoryLevel', 'odoo-product-5')).toEqual([]);
  });

  it('refuses an Odoo code it cannot translate, naming where', () => {
    expect(() => mapping.plan('SalesOrder', { ...order, state: 'weird' }, { standardPricebookId: 'x' })).toThrow(
      MappingValueError,
    );
  });

  const parse = (yaml: string) => () => SalesforceMapping.parse(yaml, ownership, 'test.yaml');

  it('names every bad path, unknown entity, unowned field and unknown expression at once', () => {
    const bad = `
version: 1
entities:
  Customer:
    writes:
      - object: Account
        externalId: { field: Odoo_Id__c, value: id }
        fields:
          Name: nmae
          City: address.town
          Weird: { frobnicate: name }
          Industry: industry
        onDelete: ignore
  SalesOrder:
    writes:
      - object: Order
        externalId: { field: Odoo_Id__c, value: id }
        fields:
          Name: name
        onDelete: ignore
  Widget:
    writes:
      - object: Foo__c
        externalId: { field: Odoo_Id__c, value: id }
        fields: {}
        onDelete: ignore
`;
    let error: MappingError | undefined;
    try {
      parse(bad)();
    } catch (e) {
      error = e as MappingError;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining('Customer → writes[0] Account.fields.Name: nmae is not a field of Customer'),
        expect.stringContaining('address.town is not a field of Customer'),
        expect.stringContaining('unknown expression'),
        expect.stringContaining('Customer.industry is owned by Salesforce alone'),
        expect.stringContaining('Widget: not a canonical entity'),
      ]),
    );
  });

  it('names a link Salesforce cannot follow: by another field than Id, on list elements or a merge, omitting what is not sent', () => {
    let error: MappingError | undefined;
    try {
      parse(`
version: 1
entities:
  Customer:
    writes:
      - object: Account
        externalId: { field: Odoo_Id__c, value: id }
        linkedBy: { field: Odoo_Id__c, value: salesforceId, omit: [Phone, Nmae, Pricebook2Id] }
        createOnly: { Pricebook2Id: { const: x } }
        fields: { Name: name }
        onDelete: ignore
      - object: Account
        mode: merge
        externalId: { field: Odoo_Id__c, value: id }
        linkedBy: { field: Id, value: industry }
        fields: { Description: name }
        onDelete: ignore
  SalesOrder:
    writes:
      - object: OrderItem
        forEach: lines
        unless: $parent.salesforceOrderIdd
        externalId: { field: Odoo_Id__c, value: { template: 'l-{odooId}' } }
        linkedBy: { field: Id, value: $parent.salesforceOrderId }
        fields: { Quantity: { number: quantity } }
        onDelete: ignore
`)();
    } catch (e) {
      error = e as MappingError;
    }
    expect(error).toBeInstanceOf(MappingError);
    expect(error!.problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining(
          'Customer → writes[0] Account.linkedBy.field: a record created in Salesforce is updated by its Id, not by Odoo_Id__c',
        ),
        expect.stringContaining('writes[0] Account.linkedBy.omit: Phone is not a field of this write'),
        expect.stringContaining('writes[0] Account.linkedBy.omit: Nmae is not a field of this write'),
        expect.stringContaining('writes[0] Account.linkedBy.omit: Pricebook2Id is create-only'),
        expect.stringContaining('writes[1] Account.linkedBy: a merge write does not own its record'),
        expect.stringContaining('Customer.industry is owned by Salesforce alone'),
        expect.stringContaining(
          "SalesOrder → writes[0] OrderItem.linkedBy: the elements of a list are the hub's own records",
        ),
        expect.stringContaining('$parent.salesforceOrderIdd is not a field of SalesOrder'),
      ]),
    );
  });

  it("plans a customer's service load onto its Account without ever creating it: by Odoo_Id__c, or by Id for a rep's customer", () => {
    const load = {
      id: 'zendesk-service-load-odoo-partner-7',
      customerId: 'odoo-partner-7',
      salesforceAccountId: null,
      desk: 'ZENDESK',
      openTickets: 2,
      urgentOpenTickets: 1,
      oldestOpenSince: Date.UTC(2026, 11, 6, 8, 30),
      updatedAt: Date.UTC(2026, 11, 6, 9, 0),
    };
    const writable = new Set(ownership.fieldsOwnedBy('CustomerServiceLoad', 'support'));
    const [[onAccount], byId] = mapping.plan('CustomerServiceLoad', load, { writable });
    expect(onAccount).toEqual({
      entity: 'CustomerServiceLoad',
      object: 'Account',
      externalIdField: 'Odoo_Id__c',
      externalId: 'odoo-partner-7',
      kind: 'merge',
      fields: {
        Open_Support_Tickets__c: 2,
        Urgent_Support_Tickets__c: 1,
        Oldest_Open_Ticket__c: '2026-12-06T08:30:00.000Z',
      },
      createOnly: {},
      parents: [],
    });
    expect(byId).toEqual([]);
    // No open ticket left: the date is cleared.
    const [[none]] = mapping.plan('CustomerServiceLoad', { ...load, openTickets: 0, oldestOpenSince: null });
    expect(none.fields).toMatchObject({ Open_Support_Tickets__c: 0, Oldest_Open_Ticket__c: null });
    // A customer a rep created: its Account has no Odoo_Id__c to be found by, so it is updated by its Id.
    const rep = {
      ...load,
      customerId: 'salesforce-account-001Hb00000AbCdEIAZ',
      salesforceAccountId: '001Hb00000AbCdEIAZ',
    };
    const [byKey, [update]] = mapping.plan('CustomerServiceLoad', rep, { writable });
    expect(byKey).toEqual([]);
    expect(update).toMatchObject({
      object: 'Account',
      externalIdField: 'Id',
      externalId: '001Hb00000AbCdEIAZ',
      linkedBy: { field: 'Id', value: '001Hb00000AbCdEIAZ', mustExist: true },
      fields: { Open_Support_Tickets__c: 2, Urgent_Support_Tickets__c: 1 },
    });
    // Nothing of the load is flagged when it is gone: the Account is not its own.
    expect(mapping.planDeletion('CustomerServiceLoad', load.id)).toEqual([]);
  });

  it("projects what a support desk or the hub owns, never what Salesforce owns, whichever system's entity it is", () => {
    expect(
      parse(`
version: 1
entities:
  ServiceCase:
    writes:
      - object: Case
        externalId: { field: Desk_Ticket_Id__c, value: id }
        fields: { Subject: subject, Status: status }
        onDelete: ignore
`),
    ).not.toThrow();
    let error: MappingError | undefined;
    try {
      parse(`
version: 1
entities:
  OrderSubmission:
    writes:
      - object: Order
        mode: update
        externalId: { field: Id, value: salesforceOrderId }
        fields: { Name: name }
        onDelete: ignore
  Customer:
    writes:
      - object: Account
        mode: merge
        externalId: { field: Odoo_Id__c, value: id }
        fields: { Industry: industry, Name: name }
        onDelete: ignore
`)();
    } catch (e) {
      error = e as MappingError;
    }
    expect(error?.problems).toEqual([
      expect.stringContaining('OrderSubmission.salesforceOrderId is owned by Salesforce alone'),
      expect.stringContaining('OrderSubmission.name is owned by Salesforce alone'),
      expect.stringContaining('Customer.industry is owned by Salesforce alone'),
    ]);
  });

  it("plans an order exception as an update of the rep's Order by its Id (never created) and a Task for its owner", () => {
    const exception = {
      id: 'salesforce-order-801Hb0000000001AAA',
      exceptionId: '0b9f3c1e-7d4a-4e2b-9c51-2f7e8a6b1d30',
      salesforceOrderId: '801Hb0000000001AAA',
      ownerId: '005Hb0000000001AAA',
      kind: 'credit-hold',
      reason: 'credit limit 1000.00 exceeded: 900.00 open + 300.00 this order',
      status: 'OPEN',
      attempts: 1,
      contextJson: '{}',
      raisedAt: Date.UTC(2026, 11, 6, 8, 0),
      updatedAt: Date.UTC(2026, 11, 6, 8, 0),
      closedAt: null,
      closedBy: null,
      closeNote: null,
    };
    const [[onOrder], [task]] = mapping.plan('OrderException', exception, {
      writable: new Set(ownership.fieldsOwnedBy('OrderException', 'hub')),
    });
    expect(onOrder).toMatchObject({
      object: 'Order',
      externalIdField: 'Id',
      externalId: '801Hb0000000001AAA',
      kind: 'upsert',
      fields: { Hub_Exception_Status__c: 'open', Hub_Exception_Reason__c: exception.reason },
      createOnly: {},
      linkedBy: { field: 'Id', value: '801Hb0000000001AAA', mustExist: true },
    });
    expect(onOrder.linkedBy?.unlinked).toBeUndefined();
    expect(task).toMatchObject({
      object: 'Task',
      externalIdField: 'Hub_Exception_Id__c',
      externalId: exception.exceptionId,
      fields: { Subject: 'Odoo did not take the order (credit-hold)', Status: 'Not Started', Priority: 'High' },
      createOnly: { WhatId: '801Hb0000000001AAA', OwnerId: '005Hb0000000001AAA', ActivityDate: '2026-12-06' },
    });
    const [[resolved], [done]] = mapping.plan('OrderException', { ...exception, status: 'RESOLVED' });
    expect(resolved.fields).toMatchObject({ Hub_Exception_Status__c: 'resolved' });
    expect(done.fields).toMatchObject({ Status: 'Completed' });
    // Nobody to tell: the order is still marked, no Task.
    const withoutOwner = mapping.plan('OrderException', { ...exception, ownerId: null });
    expect(withoutOwner.map((step) => step.length)).toEqual([1, 0]);
  });

  it('refuses an update write keyed by anything but Id, or one that could create a record', () => {
    expect(
      parse(`
version: 1
entities:
  OrderException:
    writes:
      - object: Order
        mode: update
        externalId: { field: Odoo_Id__c, value: salesforceOrderId }
        createOnly: { Status: { const: Draft } }
        fields: { Hub_Exception_Reason__c: reason }
        onDelete: { set: { Odoo_Deleted__c: true } }
`),
    ).toThrow(
      /update write names its record by Id, not by Odoo_Id__c[\s\S]*never creates a record[\s\S]*an update write does not own its record/,
    );
  });

  it('refuses a deletion flag on a forEach write and a structurally wrong file', () => {
    expect(
      parse(`
version: 1
entities:
  SalesOrder:
    writes:
      - object: OrderItem
        forEach: lines
        externalId: { field: Odoo_Id__c, value: { template: 'l-{odooId}' } }
        fields: { Quantity: { number: quantity } }
        onDelete: { set: { Odoo_Deleted__c: true } }
`),
    ).toThrow(/only a write keyed by `value: id` without forEach can flag it/);
    expect(parse('version: 2\nentities: {}')).toThrow(/version/);
    expect(
      parse('version: 1\nentities:\n  Customer:\n    writes:\n      - object: Account\n        fields: {}\n'),
    ).toThrow(/externalId/);
  });
});
