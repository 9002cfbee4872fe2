import { PythonError } from '../odoo.errors';
import { convertScalarCell, ImportIssue, parseImportFields, splitXmlId } from './load.service';
import { ModelCatalogue } from './model.catalogue';

const partner = new ModelCatalogue().require('res.partner');
const f = (name: string) => partner.fields.get(name)!;

describe('load header', () => {
  it('reads external ids, database ids and many2one references', () => {
    const columns = parseImportFields(partner, ['id', '.id', 'name', 'country_id/id', 'parent_id:id', 'user_id/.id']);
    expect(columns.map((c) => (c.kind === 'field' ? `${c.field.name}${c.sub ? '/' + c.sub : ''}` : c.kind))).toEqual([
      'xid',
      'dbid',
      'name',
      'country_id/id',
      'parent_id/id',
      'user_id/.id',
    ]);
  });

  it('refuses unknown fields and one2many sub-fields', () => {
    expect(() => parseImportFields(partner, ['nope'])).toThrow(PythonError);
    expect(() => parseImportFields(partner, ['child_ids/name'])).toThrow(/does not import/);
    expect(() => parseImportFields(partner, ['name/id'])).toThrow(/only many2one/);
  });
});

describe('load cells', () => {
  it('converts as ir.fields.converter does, empty cells being False', () => {
    expect(convertScalarCell(f('name'), '')).toBe(false);
    expect(convertScalarCell(f('is_company'), 'Yes')).toBe(true);
    expect(convertScalarCell(f('is_company'), '0')).toBe(false);
    expect(convertScalarCell(f('color'), '7')).toBe(7);
    expect(convertScalarCell(f('partner_latitude'), '50.85')).toBe(50.85);
    expect(convertScalarCell(f('type'), 'Invoice Address')).toBe('invoice');
  });

  it('reports a bad cell with a %(field)s placeholder, a doubtful boolean as a warning', () => {
    expect(() => convertScalarCell(f('color'), 'seven')).toThrow(
      "'seven' does not seem to be an integer for field '%(field)s'",
    );
    expect(() => convertScalarCell(f('type'), 'hq')).toThrow("Value 'hq' not found in selection field '%(field)s'");
    try {
      convertScalarCell(f('is_company'), 'maybe');
    } catch (e) {
      expect(e).toBeInstanceOf(ImportIssue);
      expect((e as ImportIssue).type).toBe('warning');
    }
  });

  it('prefixes the current module to a bare external id', () => {
    expect(splitXmlId('sf_001', '__import__')).toEqual(['__import__', 'sf_001']);
    expect(splitXmlId('hub.sf_001', '__import__')).toEqual(['hub', 'sf_001']);
  });
});
