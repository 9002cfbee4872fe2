/**
 * The sandbox's schema: a describe-like catalogue of sObjects and fields, held as data so that
 * more objects are added by passing definitions, not code. Behaviour the catalogue cannot say as
 * data (price-book and order rules, roll-ups) lives in `order-management.rules.ts`.
 *
 * Names resolve case-insensitively, as in Salesforce; answers always use the catalogue's spelling.
 */
import type { FieldValue } from './record.store';

export type FieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'email'
  | 'phone'
  | 'url'
  | 'picklist'
  | 'reference'
  | 'boolean'
  | 'int'
  | 'double'
  | 'currency'
  | 'date'
  | 'datetime';

/** A field as written by whoever adds an object; omitted flags take Salesforce's defaults. */
export interface FieldDefinition {
  name: string;
  label: string;
  type: FieldType;
  /** Maximum length of text fields. */
  length?: number;
  /** Not nillable on create and update (e.g. Account.Name, Contact.LastName). */
  required?: boolean;
  createable?: boolean;
  updateable?: boolean;
  externalId?: boolean;
  unique?: boolean;
  /** Whether unique/external-id matching is case-sensitive. */
  caseSensitive?: boolean;
  /** For `reference` fields: the parent object and the relationship name used in bodies and SOQL. */
  referenceTo?: string;
  relationshipName?: string;
  picklistValues?: string[];
  restrictedPicklist?: boolean;
  /**
   * Salesforce's `groupingString` for picklist values: the category each value belongs to
   * (Order.Status values are each in the `Draft` or the `Activated` status category).
   */
  picklistGroups?: Record<string, string>;
  /**
   * Read-only value computed from other fields of the same row: joined text
   * (Contact.Name = FirstName + ' ' + LastName) or a product rounded to cents (OrderItem.TotalPrice).
   */
  derivedFrom?: { join: string[]; separator: string } | { multiply: [string, string] };
  /**
   * A custom object's Name: when a create leaves it empty, the record's Id becomes its name
   * (documented for the API; the UI requires it). It stays required on update.
   */
  defaultsToRecordId?: boolean;
  /** For `reference` fields: the child relationship name the parent's describe lists (Order → `OrderItems`). */
  childRelationshipName?: string;
  /** For `reference` fields: deleting the parent deletes this row (master-detail, Order → OrderItem). */
  cascadeDelete?: boolean;
  /**
   * A component of a compound field (describe's `compoundFieldName`): Account.BillingCity is `City` of
   * `BillingAddress`. Change events carry the compound as one nested record (`BillingAddress.City`).
   */
  compound?: { field: string; component: string };
}

export interface SObjectDefinition {
  name: string;
  label: string;
  labelPlural: string;
  /** The 3-character Id prefix (Account 001, Contact 003, Product2 01t, Order 801, custom a0X…). */
  keyPrefix: string;
  fields: FieldDefinition[];
  /**
   * Rows every org holds (the standard price book): written without validation when the sandbox
   * starts and again after `POST /__admin/reset`, without counting API calls.
   */
  seedRecords?: Record<string, FieldValue>[];
}

export interface FieldDef extends FieldDefinition {
  createable: boolean;
  updateable: boolean;
  externalId: boolean;
  unique: boolean;
  caseSensitive: boolean;
  required: boolean;
  /** Maintained by the platform (Id, audit dates, IsDeleted). */
  system: boolean;
}

export interface SObjectDef {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  fields: FieldDef[];
  seedRecords: Record<string, FieldValue>[];
}

/** Fields every sObject carries, in describe order, before the object's own fields. */
const SYSTEM_FIELDS: FieldDefinition[] = [
  { name: 'Id', label: 'Record ID', type: 'id', length: 18, createable: false, updateable: false },
  { name: 'IsDeleted', label: 'Deleted', type: 'boolean', createable: false, updateable: false },
];
const AUDIT_FIELDS: FieldDefinition[] = [
  { name: 'CreatedDate', label: 'Created Date', type: 'datetime', createable: false, updateable: false },
  { name: 'LastModifiedDate', label: 'Last Modified Date', type: 'datetime', createable: false, updateable: false },
  { name: 'SystemModstamp', label: 'System Modstamp', type: 'datetime', createable: false, updateable: false },
];
const SYSTEM_NAMES = new Set([...SYSTEM_FIELDS, ...AUDIT_FIELDS].map((f) => f.name));

const odooId: FieldDefinition = {
  name: 'Odoo_Id__c',
  label: 'Odoo Id',
  type: 'string',
  length: 255,
  externalId: true,
  unique: true,
  caseSensitive: true,
};

/**
 * Custom fields the hub's org setup adds to every object it writes (see docs/salesforce-org-setup.md): whether the
 * record is active in Odoo, and whether Odoo deleted it (the hub flags instead of deleting).
 */
const deletedInOdoo: FieldDefinition = { name: 'Odoo_Deleted__c', label: 'Deleted in Odoo', type: 'boolean' };
const hubFlags: FieldDefinition[] = [
  { name: 'Odoo_Active__c', label: 'Active in Odoo', type: 'boolean' },
  deletedInOdoo,
];

const billing = (component: string) => ({ compound: { field: 'BillingAddress', component } });
const shipping = (component: string) => ({ compound: { field: 'ShippingAddress', component } });
const personName = (component: string) => ({ compound: { field: 'Name', component } });

export const ACCOUNT: SObjectDefinition = {
  name: 'Account',
  label: 'Account',
  labelPlural: 'Accounts',
  keyPrefix: '001',
  fields: [
    { name: 'Name', label: 'Account Name', type: 'string', length: 255, required: true },
    { name: 'AccountNumber', label: 'Account Number', type: 'string', length: 40 },
    { name: 'Phone', label: 'Account Phone', type: 'phone', length: 40 },
    { name: 'Website', label: 'Website', type: 'url', length: 255 },
    { ...billing('Street'), name: 'BillingStreet', label: 'Billing Street', type: 'textarea', length: 255 },
    { ...billing('City'), name: 'BillingCity', label: 'Billing City', type: 'string', length: 40 },
    {
      ...billing('PostalCode'),
      name: 'BillingPostalCode',
      label: 'Billing Zip/Postal Code',
      type: 'string',
      length: 20,
    },
    { ...billing('Country'), name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 },
    {
      name: 'Industry',
      label: 'Industry',
      type: 'picklist',
      length: 255,
      picklistValues: ['Agriculture', 'Banking', 'Construction', 'Education', 'Manufacturing', 'Retail', 'Technology'],
    },
    { name: 'Description', label: 'Account Description', type: 'textarea', length: 32000 },
    odooId,
    ...hubFlags,
    // Salesforce has no standard VAT field on Account: the org setup adds this one (docs/salesforce-org-setup.md).
    { name: 'VAT_Number__c', label: 'VAT Number', type: 'string', length: 20 },
    // The customer's open tickets on the support desk, written by the hub (docs/salesforce-org-setup.md).
    { name: 'Open_Support_Tickets__c', label: 'Open Support Tickets', type: 'double' },
    { name: 'Urgent_Support_Tickets__c', label: 'Urgent Support Tickets', type: 'double' },
    { name: 'Oldest_Open_Ticket__c', label: 'Oldest Open Ticket', type: 'datetime' },
  ],
};

export const CONTACT: SObjectDefinition = {
  name: 'Contact',
  label: 'Contact',
  labelPlural: 'Contacts',
  keyPrefix: '003',
  fields: [
    {
      name: 'AccountId',
      label: 'Account ID',
      type: 'reference',
      length: 18,
      referenceTo: 'Account',
      relationshipName: 'Account',
    },
    { ...personName('FirstName'), name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
    { ...personName('LastName'), name: 'LastName', label: 'Last Name', type: 'string', length: 80, required: true },
    {
      name: 'Name',
      label: 'Full Name',
      type: 'string',
      length: 121,
      createable: false,
      updateable: false,
      derivedFrom: { join: ['FirstName', 'LastName'], separator: ' ' },
    },
    { name: 'Email', label: 'Email', type: 'email', length: 80 },
    { name: 'Phone', label: 'Business Phone', type: 'phone', length: 40 },
    { name: 'MobilePhone', label: 'Mobile Phone', type: 'phone', length: 40 },
    { name: 'Title', label: 'Title', type: 'string', length: 128 },
    odooId,
    ...hubFlags,
  ],
};

/** A text field of `length` characters, and a number field: most of the hub's custom fields. */
const text = (name: string, label: string, length: number): FieldDefinition => ({
  name,
  label,
  type: 'string',
  length,
});
const number = (name: string, label: string, type: 'double' | 'currency'): FieldDefinition => ({ name, label, type });

/** A lookup: `relationshipName` is how bodies and SOQL name the parent (`Account`, or `Account__r` when custom). */
function lookup(
  name: string,
  label: string,
  referenceTo: string,
  relationshipName: string,
  childRelationshipName: string,
  flags: Partial<FieldDefinition> = {},
): FieldDefinition {
  return { name, label, type: 'reference', length: 18, referenceTo, relationshipName, childRelationshipName, ...flags };
}

export const PRODUCT2: SObjectDefinition = {
  name: 'Product2',
  label: 'Product',
  labelPlural: 'Products',
  keyPrefix: '01t',
  fields: [
    { name: 'Name', label: 'Product Name', type: 'string', length: 255, required: true },
    { name: 'ProductCode', label: 'Product Code', type: 'string', length: 255 },
    { name: 'Description', label: 'Product Description', type: 'textarea', length: 4000 },
    { name: 'IsActive', label: 'Active', type: 'boolean' },
    { name: 'StockKeepingUnit', label: 'Product SKU', type: 'string', length: 180 },
    odooId,
    ...hubFlags,
    text('Odoo_Barcode__c', 'Odoo Barcode', 255),
    text('Odoo_Product_Type__c', 'Odoo Product Type', 40),
    { name: 'Odoo_Sale_Ok__c', label: 'Can Be Sold in Odoo', type: 'boolean' },
    number('Odoo_On_Hand__c', 'Odoo Quantity On Hand', 'double'),
    number('Odoo_Reserved__c', 'Odoo Quantity Reserved', 'double'),
    number('Odoo_Available__c', 'Odoo Quantity Available', 'double'),
  ],
};

export const STANDARD_PRICE_BOOK_NAME = 'Standard Price Book';

export const PRICEBOOK2: SObjectDefinition = {
  name: 'Pricebook2',
  label: 'Price Book',
  labelPlural: 'Price Books',
  keyPrefix: '01s',
  fields: [
    { name: 'Name', label: 'Price Book Name', type: 'string', length: 255, required: true },
    { name: 'IsActive', label: 'Active', type: 'boolean' },
    { name: 'IsStandard', label: 'Is Standard Price Book', type: 'boolean', createable: false, updateable: false },
    { name: 'Description', label: 'Description', type: 'textarea', length: 255 },
  ],
  // Every org has exactly one standard price book, created by the platform.
  seedRecords: [{ Name: STANDARD_PRICE_BOOK_NAME, IsStandard: true, IsActive: true }],
};

export const PRICEBOOK_ENTRY: SObjectDefinition = {
  name: 'PricebookEntry',
  label: 'Price Book Entry',
  labelPlural: 'Price Book Entries',
  keyPrefix: '01u',
  fields: [
    lookup('Pricebook2Id', 'Price Book ID', 'Pricebook2', 'Pricebook2', 'PricebookEntries', {
      required: true,
      updateable: false,
    }),
    lookup('Product2Id', 'Product ID', 'Product2', 'Product2', 'PricebookEntries', {
      required: true,
      updateable: false,
    }),
    { name: 'UnitPrice', label: 'List Price', type: 'currency', required: true },
    { name: 'IsActive', label: 'Active', type: 'boolean' },
    { name: 'UseStandardPrice', label: 'Use Standard Price', type: 'boolean' },
    odooId,
    deletedInOdoo,
  ],
};

/** Order.Status values and their status category (`groupingString`); only `Activated` activates. */
export const ORDER_STATUS_CATEGORIES: Readonly<Record<string, 'Draft' | 'Activated'>> = {
  Draft: 'Draft',
  Sent: 'Draft',
  Confirmed: 'Draft',
  Cancelled: 'Draft',
  Activated: 'Activated',
};

export const ORDER: SObjectDefinition = {
  name: 'Order',
  label: 'Order',
  labelPlural: 'Orders',
  keyPrefix: '801',
  fields: [
    lookup('AccountId', 'Account ID', 'Account', 'Account', 'Orders', { required: true }),
    lookup('Pricebook2Id', 'Price Book ID', 'Pricebook2', 'Pricebook2', 'Orders'),
    // Defaults to the user who creates the order (sobject-dml.service.ts), as in Salesforce.
    lookup('OwnerId', 'Owner ID', 'User', 'Owner', 'Orders', { required: true }),
    { name: 'EffectiveDate', label: 'Order Start Date', type: 'date', required: true },
    { name: 'EndDate', label: 'Order End Date', type: 'date' },
    {
      name: 'Status',
      label: 'Status',
      type: 'picklist',
      length: 40,
      required: true,
      restrictedPicklist: true,
      picklistValues: Object.keys(ORDER_STATUS_CATEGORIES),
      picklistGroups: { ...ORDER_STATUS_CATEGORIES },
    },
    // The category of Status, kept by order-management.rules.ts.
    {
      name: 'StatusCode',
      label: 'Status Category',
      type: 'picklist',
      length: 40,
      createable: false,
      updateable: false,
      restrictedPicklist: true,
      picklistValues: ['Draft', 'Activated'],
    },
    { name: 'Name', label: 'Order Name', type: 'string', length: 80 },
    { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
    { name: 'PoNumber', label: 'PO Number', type: 'string', length: 80 },
    { ...shipping('Street'), name: 'ShippingStreet', label: 'Shipping Street', type: 'textarea', length: 255 },
    { ...shipping('City'), name: 'ShippingCity', label: 'Shipping City', type: 'string', length: 40 },
    {
      ...shipping('PostalCode'),
      name: 'ShippingPostalCode',
      label: 'Shipping Zip/Postal Code',
      type: 'string',
      length: 20,
    },
    { ...shipping('Country'), name: 'ShippingCountry', label: 'Shipping Country', type: 'string', length: 80 },
    // A roll-up of the order's products, kept by order-management.rules.ts.
    { name: 'TotalAmount', label: 'Order Amount', type: 'currency', createable: false, updateable: false },
    odooId,
    { ...text('Odoo_Name__c', 'Odoo Order Reference', 80), externalId: true, unique: true, caseSensitive: true },
    text('Odoo_State__c', 'Odoo State', 20),
    text('Odoo_Invoice_Status__c', 'Odoo Invoice Status', 20),
    text('Odoo_Delivery_Status__c', 'Odoo Delivery Status', 20),
    { name: 'Odoo_Locked__c', label: 'Locked in Odoo', type: 'boolean' },
    text('Odoo_Currency__c', 'Odoo Currency', 3),
    number('Odoo_Amount_Untaxed__c', 'Odoo Untaxed Amount', 'currency'),
    number('Odoo_Amount_Tax__c', 'Odoo Tax Amount', 'currency'),
    number('Odoo_Amount_Total__c', 'Odoo Total Amount', 'currency'),
    { name: 'Odoo_Commitment_Date__c', label: 'Odoo Commitment Date', type: 'datetime' },
    // Why Odoo has not taken the order (the hub's work queue): open, resolved or discarded, and the reason.
    text('Hub_Exception_Status__c', 'ERP Exception Status', 20),
    { name: 'Hub_Exception_Reason__c', label: 'ERP Exception Reason', type: 'textarea', length: 1000 },
    deletedInOdoo,
  ],
};

export const ORDER_ITEM: SObjectDefinition = {
  name: 'OrderItem',
  label: 'Order Product',
  labelPlural: 'Order Products',
  keyPrefix: '802',
  fields: [
    lookup('OrderId', 'Order ID', 'Order', 'Order', 'OrderItems', {
      required: true,
      updateable: false,
      cascadeDelete: true,
    }),
    lookup('PricebookEntryId', 'Price Book Entry ID', 'PricebookEntry', 'PricebookEntry', 'OrderItems', {
      required: true,
      updateable: false,
    }),
    // Filled from the price book entry when a create leaves it out (order-management.rules.ts).
    lookup('Product2Id', 'Product ID', 'Product2', 'Product2', 'OrderItems', { updateable: false }),
    { name: 'Quantity', label: 'Quantity', type: 'double', required: true },
    { name: 'UnitPrice', label: 'Unit Price', type: 'currency', required: true },
    { name: 'Description', label: 'Line Description', type: 'string', length: 255 },
    { name: 'ServiceDate', label: 'Start Date', type: 'date' },
    {
      name: 'TotalPrice',
      label: 'Total Price',
      type: 'currency',
      derivedFrom: { multiply: ['Quantity', 'UnitPrice'] },
    },
    odooId,
    number('Odoo_Quantity_Delivered__c', 'Odoo Quantity Delivered', 'double'),
    number('Odoo_Quantity_Invoiced__c', 'Odoo Quantity Invoiced', 'double'),
    number('Odoo_Discount__c', 'Odoo Discount (%)', 'double'),
    number('Odoo_Line_Subtotal__c', 'Odoo Line Subtotal', 'currency'),
    number('Odoo_Line_Tax__c', 'Odoo Line Tax', 'currency'),
    number('Odoo_Line_Total__c', 'Odoo Line Total', 'currency'),
    deletedInOdoo,
  ],
};

/** A custom object's Name: required text of 80, which an API create may leave empty (the Id is used). */
function customName(label: string): FieldDefinition {
  return { name: 'Name', label, type: 'string', length: 80, required: true, defaultsToRecordId: true };
}

const accountOf = (children: string) => lookup('Account__c', 'Account', 'Account', 'Account__r', children);
const orderOf = (children: string) => lookup('Order__c', 'Order', 'Order', 'Order__r', children);

export const ODOO_INVOICE: SObjectDefinition = {
  name: 'Odoo_Invoice__c',
  label: 'Odoo Invoice',
  labelPlural: 'Odoo Invoices',
  keyPrefix: 'a01',
  fields: [
    customName('Odoo Invoice Name'),
    accountOf('Odoo_Invoices__r'),
    orderOf('Odoo_Invoices__r'),
    odooId,
    text('Move_Type__c', 'Move Type', 20),
    text('State__c', 'State', 20),
    text('Payment_State__c', 'Payment State', 20),
    { name: 'Invoice_Date__c', label: 'Invoice Date', type: 'date' },
    { name: 'Due_Date__c', label: 'Due Date', type: 'date' },
    text('Currency__c', 'Currency', 3),
    number('Amount_Untaxed__c', 'Untaxed Amount', 'currency'),
    number('Amount_Tax__c', 'Tax Amount', 'currency'),
    number('Amount_Total__c', 'Total Amount', 'currency'),
    number('Amount_Residual__c', 'Amount Due', 'currency'),
    text('Origin__c', 'Origin', 255),
    text('Payment_Reference__c', 'Payment Reference', 255),
    deletedInOdoo,
  ],
};

export const ODOO_PAYMENT: SObjectDefinition = {
  name: 'Odoo_Payment__c',
  label: 'Odoo Payment',
  labelPlural: 'Odoo Payments',
  keyPrefix: 'a02',
  fields: [
    customName('Odoo Payment Name'),
    accountOf('Odoo_Payments__r'),
    odooId,
    text('Payment_Type__c', 'Payment Type', 20),
    text('Partner_Type__c', 'Partner Type', 20),
    number('Amount__c', 'Amount', 'currency'),
    text('Currency__c', 'Currency', 3),
    { name: 'Payment_Date__c', label: 'Payment Date', type: 'date' },
    text('State__c', 'State', 20),
    deletedInOdoo,
  ],
};

export const ODOO_SHIPMENT: SObjectDefinition = {
  name: 'Odoo_Shipment__c',
  label: 'Odoo Shipment',
  labelPlural: 'Odoo Shipments',
  keyPrefix: 'a03',
  fields: [
    customName('Odoo Shipment Name'),
    accountOf('Odoo_Shipments__r'),
    orderOf('Odoo_Shipments__r'),
    odooId,
    text('State__c', 'State', 20),
    text('Origin__c', 'Origin', 255),
    { name: 'Scheduled_Date__c', label: 'Scheduled Date', type: 'datetime' },
    { name: 'Done_Date__c', label: 'Done Date', type: 'datetime' },
    text('Tracking_Reference__c', 'Tracking Reference', 255),
    number('Quantity_Ordered__c', 'Quantity Ordered', 'double'),
    number('Quantity_Done__c', 'Quantity Done', 'double'),
    deletedInOdoo,
  ],
};

/**
 * The org's users. The sandbox's own users (the integration user and the admin a person's edits run as) are its
 * rows, inserted with the sandbox's identity Ids (salesforce-sandbox.ts); API clients only read them.
 */
export const USER: SObjectDefinition = {
  name: 'User',
  label: 'User',
  labelPlural: 'Users',
  keyPrefix: '005',
  fields: [
    { name: 'Username', label: 'Username', type: 'string', length: 80, required: true, unique: true },
    { ...personName('FirstName'), name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
    { ...personName('LastName'), name: 'LastName', label: 'Last Name', type: 'string', length: 80, required: true },
    {
      name: 'Name',
      label: 'Full Name',
      type: 'string',
      length: 121,
      derivedFrom: { join: ['FirstName', 'LastName'], separator: ' ' },
    },
    { name: 'Email', label: 'Email', type: 'email', length: 128, required: true },
    { name: 'IsActive', label: 'Active', type: 'boolean' },
  ],
};

/**
 * A to-do for a user about a record: how the hub tells an order's owner that Odoo did not take the order. WhatId is
 * polymorphic in Salesforce (any object that allows activities); the sandbox models the one the hub uses, Order.
 * Hub_Exception_Id__c is the external id the org setup adds (docs/salesforce-org-setup.md), so a redelivered
 * exception updates its Task instead of creating a second one.
 */
export const TASK: SObjectDefinition = {
  name: 'Task',
  label: 'Task',
  labelPlural: 'Tasks',
  keyPrefix: '00T',
  fields: [
    // Defaults to the user who creates the task, as in Salesforce.
    lookup('OwnerId', 'Assigned To ID', 'User', 'Owner', 'Tasks', { required: true }),
    lookup('WhatId', 'Related To ID', 'Order', 'What', 'Tasks'),
    { name: 'Subject', label: 'Subject', type: 'string', length: 255 },
    { name: 'Description', label: 'Description', type: 'textarea', length: 32000 },
    { name: 'ActivityDate', label: 'Due Date Only', type: 'date' },
    {
      name: 'Status',
      label: 'Status',
      type: 'picklist',
      length: 40,
      required: true,
      restrictedPicklist: true,
      picklistValues: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
    },
    {
      name: 'Priority',
      label: 'Priority',
      type: 'picklist',
      length: 40,
      required: true,
      restrictedPicklist: true,
      picklistValues: ['High', 'Normal', 'Low'],
    },
    { ...text('Hub_Exception_Id__c', 'Hub Exception Id', 36), externalId: true, unique: true, caseSensitive: true },
  ],
};

/** What the running sandbox serves: the objects the hub writes. */
export const DEFAULT_SOBJECTS: readonly SObjectDefinition[] = [
  ACCOUNT,
  CONTACT,
  PRODUCT2,
  PRICEBOOK2,
  PRICEBOOK_ENTRY,
  ORDER,
  ORDER_ITEM,
  ODOO_INVOICE,
  ODOO_PAYMENT,
  ODOO_SHIPMENT,
  USER,
  TASK,
];

function normalise(def: SObjectDefinition): SObjectDef {
  const own = def.fields.filter((f) => !SYSTEM_NAMES.has(f.name));
  const fields = [...SYSTEM_FIELDS, ...own, ...AUDIT_FIELDS].map((f): FieldDef => {
    const system = SYSTEM_NAMES.has(f.name);
    const derived = f.derivedFrom !== undefined;
    return {
      ...f,
      createable: f.createable ?? (!system && !derived),
      updateable: f.updateable ?? (!system && !derived),
      externalId: f.externalId ?? false,
      unique: f.unique ?? false,
      caseSensitive: f.caseSensitive ?? false,
      required: f.required ?? false,
      system,
    };
  });
  return {
    name: def.name,
    label: def.label,
    labelPlural: def.labelPlural,
    keyPrefix: def.keyPrefix,
    fields,
    seedRecords: def.seedRecords ?? [],
  };
}

export class SObjectCatalogue {
  private readonly objects = new Map<string, SObjectDef>();

  constructor(definitions: readonly SObjectDefinition[] = DEFAULT_SOBJECTS) {
    for (const definition of definitions) this.add(definition);
  }

  /** Adds or replaces an object. Throws on a key prefix already used by another object. */
  add(definition: SObjectDefinition): void {
    const def = normalise(definition);
    const clash = this.list().find((o) => o.keyPrefix === def.keyPrefix && o.name !== def.name);
    if (clash) throw new Error(`key prefix ${def.keyPrefix} already belongs to ${clash.name}`);
    this.objects.set(def.name.toLowerCase(), def);
  }

  list(): SObjectDef[] {
    return [...this.objects.values()];
  }

  get(name: string): SObjectDef | undefined {
    return this.objects.get(name.toLowerCase());
  }

  byKeyPrefix(id: string): SObjectDef | undefined {
    const prefix = id.slice(0, 3);
    return this.list().find((o) => o.keyPrefix === prefix);
  }
}

/** Currency fields hold cents: a computed amount is rounded without binary noise (3 × 19.99 is 59.97). */
export function roundCurrency(n: number): number {
  return Math.round((n + Number.EPSILON) * 100) / 100;
}

export function findField(object: SObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return object.fields.find((f) => f.name.toLowerCase() === lower);
}

/** The reference field whose relationship name is `name` (e.g. `Account` → Contact.AccountId). */
export function findRelationship(object: SObjectDef, name: string): FieldDef | undefined {
  const lower = name.toLowerCase();
  return object.fields.find((f) => f.type === 'reference' && f.relationshipName?.toLowerCase() === lower);
}

const SOAP_TYPES: Record<FieldType, string> = {
  id: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  email: 'xsd:string',
  phone: 'xsd:string',
  url: 'xsd:string',
  picklist: 'xsd:string',
  reference: 'tns:ID',
  boolean: 'xsd:boolean',
  int: 'xsd:int',
  double: 'xsd:double',
  currency: 'xsd:double',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
};

/** A subset of the describe answer: the properties an integration usually reads. */
export function describeSObject(object: SObjectDef, catalogue: SObjectCatalogue, version: string) {
  const base = `/services/data/v${version}/sobjects/${object.name}`;
  const childRelationships = catalogue.list().flatMap((child) =>
    child.fields
      .filter((f) => f.type === 'reference' && f.referenceTo === object.name)
      .map((f) => ({
        childSObject: child.name,
        field: f.name,
        relationshipName: f.childRelationshipName ?? child.labelPlural.replace(/\s+/g, ''),
        cascadeDelete: f.cascadeDelete ?? false,
      })),
  );
  return {
    name: object.name,
    label: object.label,
    labelPlural: object.labelPlural,
    keyPrefix: object.keyPrefix,
    custom: object.name.endsWith('__c'),
    createable: true,
    updateable: true,
    deletable: true,
    queryable: true,
    childRelationships,
    fields: object.fields.map((f) => ({
      name: f.name,
      label: f.label,
      type: f.type,
      soapType: SOAP_TYPES[f.type],
      length: f.length ?? 0,
      nillable: !f.required && f.type !== 'boolean' && f.name !== 'Id',
      createable: f.createable,
      updateable: f.updateable,
      externalId: f.externalId,
      idLookup: f.name === 'Id' || f.externalId,
      unique: f.unique,
      caseSensitive: f.caseSensitive,
      custom: f.name.endsWith('__c'),
      calculated: f.derivedFrom !== undefined,
      defaultedOnCreate: f.system || f.type === 'boolean' || f.defaultsToRecordId === true,
      referenceTo: f.referenceTo ? [f.referenceTo] : [],
      relationshipName: f.relationshipName ?? null,
      compoundFieldName: f.compound?.field ?? null,
      picklistValues: (f.picklistValues ?? []).map((value) => ({
        active: true,
        defaultValue: false,
        label: value,
        value,
      })),
      restrictedPicklist: f.restrictedPicklist ?? false,
    })),
    urls: { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` },
  };
}
