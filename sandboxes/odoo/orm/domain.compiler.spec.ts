import { PythonError } from '../odoo.errors';
import { compileDomain, compileOrder, mentionsField, parseDomain, SqlParams, type SqlContext } from './domain.compiler';
import { ModelCatalogue } from './model.catalogue';

const catalogue = new ModelCatalogue();
const partner = catalogue.require('res.partner');
const order = catalogue.require('sale.order');
const product = catalogue.require('product.product');

function ctx(lang = 'en_US'): SqlContext {
  return { catalogue, lang, params: new SqlParams(), aliases: { next: 1 } };
}

function compile(model = partner, domain: unknown, activeTest = false) {
  const c = ctx();
  return { sql: compileDomain(model, 'r', domain, c, { activeTest }), params: c.params.values };
}

describe('parseDomain', () => {
  it('reads prefix operators and joins the remaining terms with AND', () => {
    const tree = parseDomain(['|', ['name', '=', 'a'], ['name', '=', 'b'], ['is_company', '=', true]]);
    expect(tree).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'leaf', path: 'is_company' } });
  });

  it('refuses leaves that are not triples, unknown operators and dangling operators', () => {
    expect(() => parseDomain([['name', '=']])).toThrow(PythonError);
    expect(() => parseDomain([['name', 'contains', 'x']])).toThrow(/Invalid leaf/);
    expect(() => parseDomain(['|', ['name', '=', 'a']])).toThrow(/syntactically not correct/);
    expect(() => parseDomain('name = a')).toThrow(/Invalid domain/);
  });

  it('knows whether a domain mentions a field', () => {
    expect(mentionsField(parseDomain([['active', 'in', [true, false]]]), 'active')).toBe(true);
    expect(mentionsField(parseDomain([['parent_id.active', '=', true]]), 'active')).toBe(false);
  });
});

describe('compileDomain', () => {
  it('treats False as "not set", and lets != and not in match NULL', () => {
    expect(compile(partner, [['vat', '=', false]]).sql).toBe('r."vat" IS NULL');
    expect(compile(partner, [['vat', '!=', 'BE1']])).toEqual({
      sql: '(r."vat" <> $1 OR r."vat" IS NULL)',
      params: ['BE1'],
    });
    expect(compile(partner, [['is_company', '=', false]]).sql).toBe(
      '(r."is_company" IS NULL OR r."is_company" = false)',
    );
    expect(compile(partner, [['id', 'not in', [1, 2]]]).sql).toBe('(r."id" <> ALL($1::int4[]) OR r."id" IS NULL)');
    expect(compile(partner, [['id', 'in', []]]).sql).toBe('FALSE');
  });

  it('wraps ilike values in %, and keeps =ilike patterns as given', () => {
    expect(compile(partner, [['email', 'ilike', 'ACME']]).params).toEqual(['%ACME%']);
    expect(compile(partner, [['email', '=ilike', 'a%']]).params).toEqual(['a%']);
  });

  it('adds the active test unless the domain mentions active', () => {
    const c = ctx();
    expect(compileDomain(partner, 'r', [], c)).toBe('r."active" = true');
    expect(compileDomain(partner, 'r', [['active', '=', false]], c)).toBe('(r."active" IS NULL OR r."active" = false)');
    expect(compileDomain(order, 'r', [], c)).toBe('TRUE');
  });

  it('crosses many2one and one2many paths with sub-queries', () => {
    const { sql, params } = compile(order, [['partner_id.vat', '=', 'BE0477472701']]);
    expect(sql).toBe('r."partner_id" IN (SELECT t1.id FROM "res_partner" t1 WHERE t1."vat" = $1)');
    expect(params).toEqual(['BE0477472701']);
    expect(compile(order, [['order_line.product_id', '=', 7]]).sql).toBe(
      'r.id IN (SELECT t1."order_id" FROM "sale_order_line" t1 WHERE t1."product_id" = $1)',
    );
  });

  it('name-searches a many2one compared to text', () => {
    const { sql, params } = compile(order, [['partner_id', 'ilike', 'acme']]);
    expect(sql).toContain('r."partner_id" IN (SELECT t1.id FROM "res_partner" t1 WHERE (COALESCE(t1.complete_name');
    expect(params).toEqual(['%acme%']);
  });

  it('searches related fields through their path, and translated fields in the context language', () => {
    const c = { ...ctx('fr_FR') };
    const sql = compileDomain(product, 'r', [['name', '=', 'Chaise']], c, { activeTest: false });
    expect(sql).toBe(
      `r."product_tmpl_id" IN (SELECT t1.id FROM "product_template" t1 WHERE COALESCE(t1."name"->>'fr_FR', t1."name"->>'en_US') = $1)`,
    );
  });

  it('negates with NOT, counting NULL as false like distribute_not', () => {
    expect(compile(partner, ['!', ['name', '=', 'x']]).sql).toBe('(NOT COALESCE(r."name" = $1, false))');
  });

  it('names an unknown field as Odoo does', () => {
    expect(() => compile(partner, [['nope', '=', 1]])).toThrow('Invalid field res.partner.nope in leaf ["nope","=",1]');
  });
});

describe('compileOrder', () => {
  it('orders by columns and many2one display names, and refuses anything else', () => {
    const c = ctx();
    expect(compileOrder(order, 'r', 'date_order desc, id', c)).toBe('r."date_order" DESC, r."id" ASC');
    expect(compileOrder(order, 'r', 'partner_id', c)).toMatch(/^\(SELECT COALESCE\(t1\.complete_name/);
    expect(() => compileOrder(order, 'r', 'id; drop table x', c)).toThrow(/Invalid "order"/);
  });
});
