import type { OrderSubmission } from '@hub/canonical';
import {
  activates,
  canonicalIdOf,
  countryCode,
  decimal,
  toContact,
  toCustomer,
  toOrderSubmission,
  touchedCanonicalFields,
} from './salesforce-canonical.mapper';
import type { OrderRead } from './salesforce-reader.port';

const ACCOUNT_ID = '001AP00000Xk3MzYAJ';
const CONTACT_ID = '003AP00000Ab1CdYAJ';
const ORDER_ID = '801AP00000Ef2GhYAJ';
const ACTIVATED_AT = Date.UTC(2026, 10, 20, 14, 30, 0);

describe('countryCode', () => {
  it.each([
    ['Belgium', 'BE'],
    ['belgium', 'BE'],
    [' Belgium ', 'BE'],
    ['be', 'BE'],
    ['BE', 'BE'],
    ['United States', 'US'],
    // Names Intl also gives a withdrawn code (FX, UK, SU, YU, DD) take the current ISO code.
    ['France', 'FR'],
    ['United Kingdom', 'GB'],
    ['Russia', 'RU'],
    ['Serbia', 'RS'],
    ['Germany', 'DE'],
    ['Vietnam', 'VN'],
    ['Narnia', null],
    ['', null],
    [null, null],
  ])('%j is %j', (country, expected) => {
    expect(countryCode(country)).toBe(expected);
  });
});

describe('canonicalIdOf', () => {
  it('is the Odoo id the record carries, whatever the object', () => {
    expect(canonicalIdOf('Account', ACCOUNT_ID, 'odoo-partner-42')).toBe('odoo-partner-42');
    expect(canonicalIdOf('Contact', CONTACT_ID, 'odoo-partner-43')).toBe('odoo-partner-43');
    expect(canonicalIdOf('Order', ORDER_ID, 'odoo-sale-order-7')).toBe('odoo-sale-order-7');
  });

  it.each([
    ['Account', ACCOUNT_ID, `salesforce-account-${ACCOUNT_ID}`],
    ['Contact', CONTACT_ID, `salesforce-contact-${CONTACT_ID}`],
    ['Order', ORDER_ID, `salesforce-order-${ORDER_ID}`],
  ] as const)('is an id of its own for a %s without an Odoo id', (entity, recordId, expected) => {
    expect(canonicalIdOf(entity, recordId, null)).toBe(expected);
    expect(canonicalIdOf(entity, recordId, undefined)).toBe(expected);
    expect(canonicalIdOf(entity, recordId, '')).toBe(expected);
    expect(canonicalIdOf(entity, recordId, '   ')).toBe(expected);
    expect(canonicalIdOf(entity, recordId, 42)).toBe(expected);
  });
});

describe('toCustomer', () => {
  it('maps an Account created in Salesforce, with its billing address', () => {
    expect(
      toCustomer(ACCOUNT_ID, {
        Name: 'Brasserie Lupulus',
        Phone: '+32 9 123 45 67',
        Website: 'https://lupulus.example',
        BillingStreet: 'Korenmarkt 1',
        BillingCity: 'Gent',
        BillingPostalCode: '9000',
        BillingCountry: 'Belgium',
        Industry: 'Food & Beverage',
        VAT_Number__c: 'BE 0477.472.701',
        Odoo_Id__c: null,
      }),
    ).toEqual({
      id: `salesforce-account-${ACCOUNT_ID}`,
      odooId: null,
      salesforceId: ACCOUNT_ID,
      name: 'Brasserie Lupulus',
      reference: null,
      // As the rep typed it: the ERP normalises it to match (Odoo owns the value).
      vat: 'BE 0477.472.701',
      email: null,
      phone: '+32 9 123 45 67',
      website: 'https://lupulus.example',
      address: { street: 'Korenmarkt 1', street2: null, zip: '9000', city: 'Gent', countryCode: 'BE' },
      industry: 'Food & Beverage',
      active: true,
    });
  });

  it('keeps the Odoo id of an Account projected from Odoo, and nulls for the fields it lacks', () => {
    expect(toCustomer(ACCOUNT_ID, { Name: 'Acme', Odoo_Id__c: 'odoo-partner-42', BillingPostalCode: 1000 })).toEqual({
      id: 'odoo-partner-42',
      odooId: null,
      salesforceId: ACCOUNT_ID,
      name: 'Acme',
      reference: null,
      vat: null,
      email: null,
      phone: null,
      website: null,
      address: { street: null, street2: null, zip: '1000', city: null, countryCode: null },
      industry: null,
      active: true,
    });
  });
});

describe('toContact', () => {
  it('maps a Contact with its full name and the canonical id of its Account', () => {
    expect(
      toContact(
        CONTACT_ID,
        {
          FirstName: 'Ada',
          LastName: 'Peeters',
          AccountId: ACCOUNT_ID,
          Title: 'Head Brewer',
          Email: 'ada.peeters@lupulus.example',
          Phone: '+32 9 123 45 68',
          MobilePhone: '+32 470 12 34 56',
          Odoo_Id__c: null,
        },
        'odoo-partner-42',
      ),
    ).toEqual({
      id: `salesforce-contact-${CONTACT_ID}`,
      odooId: null,
      salesforceId: CONTACT_ID,
      customerId: 'odoo-partner-42',
      name: 'Ada Peeters',
      jobTitle: 'Head Brewer',
      email: 'ada.peeters@lupulus.example',
      phone: '+32 9 123 45 68',
      mobile: '+32 470 12 34 56',
      active: true,
    });
  });

  it('names a Contact by its last name alone, keeps its Odoo id, and has no customer without an Account', () => {
    expect(
      toContact(CONTACT_ID, { FirstName: null, LastName: 'Peeters', Odoo_Id__c: 'odoo-partner-43' }, null),
    ).toEqual({
      id: 'odoo-partner-43',
      odooId: null,
      salesforceId: CONTACT_ID,
      customerId: null,
      name: 'Peeters',
      jobTitle: null,
      email: null,
      phone: null,
      mobile: null,
      active: true,
    });
  });

  it('has a null name when neither first nor last name is known', () => {
    expect(toContact(CONTACT_ID, { Email: 'x@lupulus.example' }, null).name).toBeNull();
  });
});

describe('touchedCanonicalFields', () => {
  it('maps the Salesforce fields of a change to the canonical fields they feed, once each', () => {
    expect(
      touchedCanonicalFields('Account', ['Name', 'BillingCity', 'BillingCountry', 'LastModifiedDate', 'Odoo_Id__c']),
    ).toEqual(new Set(['name', 'address', 'id']));
    expect(touchedCanonicalFields('Contact', ['FirstName', 'LastName', 'Email', 'MobilePhone'])).toEqual(
      new Set(['name', 'email', 'mobile']),
    );
    expect(touchedCanonicalFields('Order', ['Status', 'AccountId'])).toEqual(new Set(['status', 'customerId']));
  });

  it('is empty for a change of fields the hub does not capture', () => {
    expect(touchedCanonicalFields('Account', ['Description', 'LastModifiedDate', 'FirstName'])).toEqual(new Set());
  });
});

describe('activates', () => {
  it.each([
    ['CREATE', [], 'Activated', true],
    ['SNAPSHOT', [], 'Activated', true],
    ['UPDATE', ['Status', 'LastModifiedDate'], 'Activated', true],
    ['UPDATE', ['Description', 'LastModifiedDate'], 'Activated', false],
    ['UPDATE', ['Status', 'LastModifiedDate'], 'Draft', false],
    ['CREATE', [], 'Draft', false],
  ])('%s of %j with Status %s: %s', (changeType, changedFields, status, expected) => {
    expect(activates(changeType, changedFields, { Status: status })).toBe(expected);
  });
});

describe('decimal', () => {
  it.each([
    [12, '12.0000'],
    [0.1, '0.1000'],
    [1.23456, '1.2346'],
    [-3.5, '-3.5000'],
    ['19.99', '19.9900'],
  ])('%j is %s', (value, expected) => {
    expect(decimal(value)).toBe(expected);
  });

  it('throws for text that is not a number, and for a missing value (never a silent zero)', () => {
    expect(() => decimal('twelve')).toThrow('not a number: twelve');
    expect(() => decimal(null)).toThrow('not a number: null');
    expect(() => decimal(undefined)).toThrow('not a number: undefined');
  });
});

describe('toOrderSubmission', () => {
  /** An activated order and its items as the reader returns them from SOQL (relationships nested). */
  const orderRead = (order: OrderRead['order'] = {}): OrderRead => ({
    order: {
      Id: ORDER_ID,
      Name: 'Spring restock',
      Status: 'Activated',
      AccountId: ACCOUNT_ID,
      Account: { Odoo_Id__c: 'odoo-partner-42' },
      Pricebook2Id: '01sAP0000001AbCYAU',
      Pricebook2: { Name: 'Standard Price Book' },
      EffectiveDate: '2026-12-05',
      PoNumber: 'PO-2026-118',
      Description: 'Deliver before the fair',
      TotalAmount: 1684.5,
      ShippingStreet: 'Korenmarkt 1',
      ShippingCity: 'Gent',
      ShippingPostalCode: '9000',
      ShippingCountry: 'Belgium',
      OwnerId: '005AP000001aBcDYAU',
      Odoo_Id__c: null,
      ...order,
    },
    items: [
      {
        Id: '802AP00000Aa1AaYAJ',
        Quantity: 3,
        UnitPrice: 411.5,
        Description: 'Kegs, 20 l',
        Product2Id: '01tAP00000Pr1AaYAJ',
        Product2: {
          Name: 'Lupulus Blonde keg',
          ProductCode: 'LUP-BL-20',
          StockKeepingUnit: 'SKU-LUP-BL-20',
          Odoo_Id__c: 'odoo-product-17',
        },
        PricebookEntry: { UnitPrice: 450 },
      },
      {
        Id: '802AP00000Aa1AbYAJ',
        Quantity: 10,
        UnitPrice: 45,
        Description: null,
        Product2Id: '01tAP00000Pr1AbYAJ',
        Product2: { Name: 'Tasting glass', ProductCode: 'GLASS-33', StockKeepingUnit: null, Odoo_Id__c: null },
        PricebookEntry: { UnitPrice: null },
      },
    ],
  });

  it('maps the order, its account, price book, ship-to and lines', () => {
    const expected: OrderSubmission = {
      id: `salesforce-order-${ORDER_ID}`,
      salesforceOrderId: ORDER_ID,
      name: 'Spring restock',
      customerId: 'odoo-partner-42',
      salesforceAccountId: ACCOUNT_ID,
      shipTo: { street: 'Korenmarkt 1', street2: null, zip: '9000', city: 'Gent', countryCode: 'BE' },
      pricebookId: '01sAP0000001AbCYAU',
      pricebookName: 'Standard Price Book',
      currencyCode: null,
      effectiveDate: Date.UTC(2026, 11, 5),
      poNumber: 'PO-2026-118',
      description: 'Deliver before the fair',
      totalAmount: '1684.5000',
      ownerId: '005AP000001aBcDYAU',
      activatedAt: ACTIVATED_AT,
      lines: [
        {
          salesforceItemId: '802AP00000Aa1AaYAJ',
          productId: 'odoo-product-17',
          sku: 'SKU-LUP-BL-20',
          productName: 'Lupulus Blonde keg',
          description: 'Kegs, 20 l',
          quantity: '3.0000',
          unitPrice: '411.5000',
          listPrice: '450.0000',
        },
        {
          salesforceItemId: '802AP00000Aa1AbYAJ',
          productId: null,
          sku: 'GLASS-33',
          productName: 'Tasting glass',
          description: null,
          quantity: '10.0000',
          unitPrice: '45.0000',
          listPrice: null,
        },
      ],
    };

    expect(toOrderSubmission(orderRead(), ACTIVATED_AT)).toEqual(expected);
  });

  it("takes the Account's own canonical id when it has no Odoo id, and null names for missing relationships", () => {
    const submission = toOrderSubmission(orderRead({ Account: { Odoo_Id__c: null }, Pricebook2: null }), ACTIVATED_AT);

    expect(submission.customerId).toBe(`salesforce-account-${ACCOUNT_ID}`);
    expect(submission.pricebookName).toBeNull();
  });

  it('has no ship-to when the order has no shipping field', () => {
    const submission = toOrderSubmission(
      orderRead({ ShippingStreet: null, ShippingCity: null, ShippingPostalCode: null, ShippingCountry: null }),
      ACTIVATED_AT,
    );

    expect(submission.shipTo).toBeNull();
  });

  it('keeps a ship-to that has only a country', () => {
    const submission = toOrderSubmission(
      orderRead({ ShippingStreet: null, ShippingCity: null, ShippingPostalCode: null, ShippingCountry: 'be' }),
      ACTIVATED_AT,
    );

    expect(submission.shipTo).toEqual({ street: null, street2: null, zip: null, city: null, countryCode: 'BE' });
  });

  it('names the order that has no AccountId', () => {
    expect(() => toOrderSubmission(orderRead({ AccountId: null }), ACTIVATED_AT)).toThrow(
      `Order ${ORDER_ID} has no AccountId`,
    );
  });

  it('names an EffectiveDate that is not a date', () => {
    expect(() => toOrderSubmission(orderRead({ EffectiveDate: 'next week' }), ACTIVATED_AT)).toThrow(
      'Order.EffectiveDate is "next week", not a date',
    );
    expect(() => toOrderSubmission(orderRead({ EffectiveDate: null }), ACTIVATED_AT)).toThrow(
      'Order.EffectiveDate is null, not a date',
    );
  });
});
