import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { avroSchemas } from './generated/avro-schemas';
import {
  canonicalEntities,
  defaultOwnershipPath,
  FieldOwnership,
  fieldsOwnedBy,
  loadFieldOwnership,
  OwnershipError,
  pickOwnedFields,
  systemsOfRecord,
} from './ownership';

const fixtures = join(__dirname, '../../../test/fixtures/ownership');
// Fixtures are checked against Customer and Contact only, so new entities do not make them stale.
const schemas = { CustomerEvent: avroSchemas.CustomerEvent, ContactEvent: avroSchemas.ContactEvent };
const fixture = (dir: 'ok' | 'not-ok', file: string) =>
  FieldOwnership.parse(readFileSync(join(fixtures, dir, file), 'utf8'), { source: file, schemas });

const customer = {
  id: 'odoo-partner-42',
  odooId: 42,
  name: 'Azure Interior',
  reference: null,
  vat: 'BE0477472701',
  email: 'info@azure.example',
  phone: '+32 2 290 34 90',
  website: null,
  address: { street: '4557 De Silva St', street2: null, zip: '94538', city: 'Fremont', countryCode: 'US' },
  active: true,
};

describe('the hub ownership table (config/ownership.yaml)', () => {
  const ownership = loadFieldOwnership();

  it('is found above the module and covers every entity a canonical topic carries', () => {
    expect(defaultOwnershipPath()).toMatch(/config[\\/]ownership\.yaml$/);
    const entities = canonicalEntities().map((e) => e.name);
    expect(entities).toEqual(expect.arrayContaining(['Customer', 'Contact']));
    expect(ownership.entities().sort()).toEqual([...entities].sort());
  });

  it("gives Odoo every field of a customer or contact created in Odoo, the Salesforce record it links included, but the CRM's own (the industry); both state the Salesforce Id", () => {
    for (const entity of canonicalEntities().filter((e) => ['Customer', 'Contact'].includes(e.name))) {
      expect(fieldsOwnedBy(entity.name, 'odoo', 'odoo-partner-42')).toContain('salesforceId');
      const crm = ['industry'].filter((f) => entity.fields.includes(f));
      expect(fieldsOwnedBy(entity.name, 'odoo', 'odoo-partner-42')).toEqual(
        entity.fields.filter((f) => !crm.includes(f)),
      );
      // A person's edit of the Account the hub made still says which Account it is.
      expect(fieldsOwnedBy(entity.name, 'salesforce', 'odoo-partner-42')).toEqual(['salesforceId', ...crm]);
      expect(fieldsOwnedBy(entity.name, 'support', 'odoo-partner-42')).toEqual([]);
    }
  });

  it('gives Salesforce the identity of the customers its reps create; Odoo keeps VAT, reference and the archive flag', () => {
    const id = 'salesforce-account-001000000000001AAA';
    expect(fieldsOwnedBy('Customer', 'odoo', id)).toEqual(['odooId', 'salesforceId', 'reference', 'vat', 'active']);
    expect(fieldsOwnedBy('Customer', 'salesforce', id)).toEqual([
      'id',
      'salesforceId',
      'name',
      'email',
      'phone',
      'website',
      'address',
      'industry',
    ]);
    expect(fieldsOwnedBy('Contact', 'odoo', 'salesforce-contact-003000000000001AAA')).toEqual([
      'odooId',
      'salesforceId',
      'active',
    ]);
  });

  it('gives Odoo the Salesforce order a sales order is linked to (only Odoo publishes sales orders)', () => {
    expect(fieldsOwnedBy('SalesOrder', 'odoo')).toContain('salesforceOrderId');
    expect(fieldsOwnedBy('SalesOrder', 'salesforce')).toEqual([]);
  });

  it("lets Salesforce state a customer's VAT to be matched by, never as a value", () => {
    const id = 'salesforce-account-001000000000001AAA';
    expect(ownership.matchKeysOf('Customer', 'salesforce')).toEqual(['vat']);
    expect(ownership.matchKeysOf('Customer', 'odoo')).toEqual([]);
    // An Odoo customer is known to Odoo by its id: Salesforce's events about it carry no key.
    expect(ownership.matchKeysOf('Customer', 'salesforce', 'odoo-partner-42')).toEqual([]);
    expect(fieldsOwnedBy('Customer', 'salesforce', id)).not.toContain('vat');
    expect(pickOwnedFields('Customer', 'salesforce', { ...customer, id })).toMatchObject({ vat: 'BE0477472701' });
    expect(pickOwnedFields('Contact', 'salesforce', { id: 'salesforce-contact-003000000000001AAA' })).toEqual({
      id: 'salesforce-contact-003000000000001AAA',
    });
  });

  it('picks a copy of the owned fields, nested records whole', () => {
    const picked = pickOwnedFields('Customer', 'odoo', customer);
    expect(picked).toEqual(customer);
    expect(picked.address).not.toBe(customer.address);
    // The canonical id is carried whoever owns it: it is the event's key.
    expect(pickOwnedFields('Customer', 'salesforce', customer)).toEqual({ id: customer.id });
  });

  it('allows the systems of the envelope enum', () => {
    expect(systemsOfRecord()).toEqual(['odoo', 'salesforce', 'support', 'hub']);
  });
});

describe('FieldOwnership', () => {
  const split = fixture('ok', 'split-owners.yaml');

  it('lists the fields each system owns in schema order, whatever the file order', () => {
    expect(split.fieldsOwnedBy('Customer', 'salesforce', 'odoo-partner-42')).toEqual([
      'salesforceId',
      'email',
      'phone',
      'website',
      'industry',
    ]);
    expect(split.fieldsOwnedBy('Contact', 'odoo')).toEqual(['id', 'odooId', 'customerId', 'name', 'active']);
    expect(split.fieldsOwnedBy('Contact', 'support')).toEqual(['phone', 'mobile']);
    expect(split.ownerOf('Contact', 'jobTitle')).toBe('salesforce');
  });

  it('keeps only the owned fields, leaves absent ones absent and drops keys the schema does not know', () => {
    const { email: _email, ...withoutEmail } = customer;
    expect(split.pickOwnedFields('Customer', 'salesforce', { ...withoutEmail, extra: 1 })).toEqual({
      id: customer.id,
      phone: customer.phone,
      website: null,
    });
    const odoo = split.pickOwnedFields('Customer', 'odoo', customer);
    expect(Object.keys(odoo)).toEqual(['id', 'odooId', 'name', 'reference', 'vat', 'address', 'active']);
    odoo.address!.city = 'changed';
    expect(customer.address.city).toBe('Fremont');
  });

  it('resolves `origin` per record from its canonical id, and counts it as may-own without one', () => {
    expect(split.ownerOf('Customer', 'name')).toBe('origin');
    expect(split.fieldsOwnedBy('Customer', 'odoo', 'odoo-partner-42')).toContain('name');
    expect(split.fieldsOwnedBy('Customer', 'odoo', 'salesforce-account-001000000000001AAA')).not.toContain('name');
    expect(split.fieldsOwnedBy('Customer', 'salesforce', 'salesforce-account-001000000000001AAA')).toContain('name');
    expect(split.fieldsOwnedBy('Customer', 'salesforce')).toContain('name');
    expect(split.fieldsOwnedBy('Customer', 'odoo')).toContain('name');
    const fromSalesforce = { ...customer, id: 'salesforce-account-001000000000001AAA' };
    expect(split.pickOwnedFields('Customer', 'odoo', fromSalesforce)).not.toHaveProperty('name');
    expect(split.pickOwnedFields('Customer', 'salesforce', fromSalesforce)).toMatchObject({ name: customer.name });
  });

  it('refuses to decide `origin` for an id of no known system', () => {
    expect(() => split.fieldsOwnedBy('Customer', 'odoo', 'crm-42')).toThrow(/crm-42.*names no known system/);
  });

  it('names the entity or entity.field it does not know', () => {
    expect(() => split.fieldsOwnedBy('Ticket', 'support')).toThrow('Ticket: unknown entity');
    expect(() => split.ownerOf('Customer', 'fax')).toThrow('Customer.fax: unknown field');
    expect(() => split.pickOwnedFields('Invoice', 'odoo', {})).toThrow(OwnershipError);
  });

  describe.each(readdirSync(join(fixtures, 'not-ok')).sort())('refuses not-ok/%s', (file) => {
    const text = readFileSync(join(fixtures, 'not-ok', file), 'utf8');
    const expected = [...text.matchAll(/^# expect: (.+)$/gm)].map((m) => m[1]);

    it('with every expected problem named', () => {
      expect(expected.length).toBeGreaterThan(0);
      const error = (() => {
        try {
          FieldOwnership.parse(text, { source: file, schemas });
        } catch (e) {
          return e;
        }
        return undefined;
      })();
      expect(error).toBeInstanceOf(OwnershipError);
      const { problems, message } = error as OwnershipError;
      expect(message).toContain(file);
      for (const problem of expected) {
        expect(problems.some((p) => p.startsWith(problem))).toBe(true);
      }
    });
  });
});
