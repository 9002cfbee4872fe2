import { asValidationError, fromPgError, psycopgMessage } from './db/integrity.errors';
import {
  AccessDenied,
  asOdooError,
  DatabaseError,
  HttpError,
  MissingError,
  serializeException,
  UserError,
  ValidationError,
} from './odoo.errors';
import { ModelCatalogue } from './orm/model.catalogue';

const catalogue = new ModelCatalogue();

describe('Odoo exceptions', () => {
  it('carry the status JSON-2 answers them with (Odoo 19 odoo/exceptions.py)', () => {
    expect(new UserError('x').httpStatus).toBe(422);
    expect(new ValidationError('x').httpStatus).toBe(422);
    expect(new MissingError('x').httpStatus).toBe(404);
    expect(new AccessDenied().httpStatus).toBe(403);
    expect(new HttpError(401, 'Invalid apikey').httpStatus).toBe(401);
  });

  it("serialize as odoo.http.serialize_exception does, hiding AccessDenied's traceback", () => {
    expect(serializeException(new ValidationError('bad'))).toMatchObject({
      name: 'odoo.exceptions.ValidationError',
      message: 'bad',
      arguments: ['bad'],
      context: {},
    });
    expect(serializeException(new AccessDenied()).debug).toBe('');
    expect(serializeException(new HttpError(401, 'Invalid apikey')).arguments).toEqual(['Invalid apikey', 401]);
    expect(asOdooError(new Error('boom')).httpStatus).toBe(500);
  });
});

describe('integrity errors', () => {
  it('word a NOT NULL violation with the model and field labels', () => {
    const error = asValidationError(
      { code: '23502', message: 'null value', table: 'sale_order', column: 'partner_id' },
      catalogue,
    );
    expect(error.message).toContain('Model: Sales Order (sale.order)\nField: Customer (partner_id)\n');
  });

  it('word a foreign key violation with the constraint, and a known constraint with its message', () => {
    expect(
      asValidationError(
        { code: '23503', message: '', table: 'res_partner', constraint: 'res_partner_country_id_fkey' },
        catalogue,
      ).message,
    ).toContain('Model: Contact (res.partner)\nConstraint: res_partner_country_id_fkey\n');
    expect(
      asValidationError(
        { code: '23514', message: '', table: 'res_partner', constraint: 'res_partner_check_name' },
        catalogue,
      ).message,
    ).toBe('The operation cannot be completed: Contacts require a name');
  });

  it('leave other database errors as psycopg2 names them', () => {
    const error = fromPgError(
      { code: '40001', message: 'could not serialize access due to concurrent update' },
      catalogue,
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error.exceptionName).toBe('psycopg2.errors.SerializationFailure');
    expect(psycopgMessage({ code: '23505', message: 'dup', detail: 'Key (a)=(1) already exists.' })).toBe(
      'dup\nDETAIL:  Key (a)=(1) already exists.\n',
    );
  });
});
