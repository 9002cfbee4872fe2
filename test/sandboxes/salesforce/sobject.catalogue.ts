/**
 * The sandbox's schema: a describe-like catalogue of sObjects and fields, held as data so that
 * more objects (Product2, Order, custom objects) are added by passing definitions, not code.
 *
 * Names resolve case-insensitively, as in Salesforce; answers always use the catalogue's spelling.
 */

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
  /** Read-only value computed from other fields (Contact.Name = FirstName + ' ' + LastName). */
  derivedFrom?: { join: string[]; separator: string };
}

export interface SObjectDefinition {
  name: string;
  label: string;
  labelPlural: string;
  /** The 3-character Id prefix (Account 001, Contact 003, Product2 01t, Order 801, custom a0X…). */
  keyPrefix: string;
  fields: FieldDefinition[];
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
const hubFlags: FieldDefinition[] = [
  { name: 'Odoo_Active__c', label: 'Active in Odoo', type: 'boolean' },
  { name: 'Odoo_Deleted__c', label: 'Deleted in Odoo', type: 'boolean' },
];

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
    { name: 'BillingStreet', label: 'Billing Street', type: 'textarea', length: 255 },
    { name: 'BillingCity', label: 'Billing City', type: 'string', length: 40 },
    { name: 'BillingPostalCode', label: 'Billing Zip/Postal Code', type: 'string', length: 20 },
    { name: 'BillingCountry', label: 'Billing Country', type: 'string', length: 80 },
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
    { name: 'FirstName', label: 'First Name', type: 'string', length: 40 },
    { name: 'LastName', label: 'Last Name', type: 'string', length: 80, required: true },
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

export const DEFAULT_SOBJECTS: readonly SObjectDefinition[] = [ACCOUNT, CONTACT];

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
  return { name: def.name, label: def.label, labelPlural: def.labelPlural, keyPrefix: def.keyPrefix, fields };
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
        relationshipName: child.labelPlural.replace(/\s+/g, ''),
        cascadeDelete: false,
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
      defaultedOnCreate: f.system,
      referenceTo: f.referenceTo ? [f.referenceTo] : [],
      relationshipName: f.relationshipName ?? null,
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
