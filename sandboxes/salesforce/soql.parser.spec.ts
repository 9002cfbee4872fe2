import { formatSoqlError, parseSoql, SoqlSyntaxError } from './soql.parser';

describe('SOQL parser', () => {
  it('parses fields, relationship paths, WHERE, ORDER BY and LIMIT', () => {
    const query = parseSoql(
      "select Id, Account.Odoo_Id__c from Contact where (Email != null or Title like 'CEO%') and Account.Name in ('A', 'B') order by LastName desc nulls first limit 10 offset 5",
    );
    expect(query.select).toEqual([
      { kind: 'field', path: ['Id'], pos: 7 },
      { kind: 'field', path: ['Account', 'Odoo_Id__c'], pos: 11 },
    ]);
    expect(query.from).toEqual({ name: 'Contact', pos: 35 });
    expect(query.where).toEqual({
      kind: 'and',
      items: [
        {
          kind: 'or',
          items: [
            { kind: 'compare', field: expect.objectContaining({ path: ['Email'] }), op: '!=', value: { kind: 'null' } },
            {
              kind: 'compare',
              field: expect.objectContaining({ path: ['Title'] }),
              op: 'LIKE',
              value: { kind: 'string', value: 'CEO%' },
            },
          ],
        },
        {
          kind: 'in',
          field: expect.objectContaining({ path: ['Account', 'Name'] }),
          negated: false,
          values: [
            { kind: 'string', value: 'A' },
            { kind: 'string', value: 'B' },
          ],
        },
      ],
    });
    expect(query.orderBy).toEqual([
      { field: expect.objectContaining({ path: ['LastName'] }), descending: true, nullsLast: false },
    ]);
    expect(query.limit).toBe(10);
    expect(query.offset).toBe(5);
  });

  it('parses COUNT(), NOT IN, <>, literals of every kind and string escapes', () => {
    expect(parseSoql('SELECT COUNT() FROM Account').select).toEqual([{ kind: 'count', pos: 7 }]);
    const where = parseSoql(
      "SELECT Id FROM Account WHERE Name NOT IN ('O\\'Brien') AND Name <> 'x' AND IsDeleted = false AND CreatedDate > 2024-01-02T03:04:05Z AND Amount__c >= -1.5 AND Day__c = 2024-01-02",
    ).where;
    expect(where).toMatchObject({
      kind: 'and',
      items: [
        { kind: 'in', negated: true, values: [{ kind: 'string', value: "O'Brien" }] },
        { kind: 'compare', op: '!=' },
        { kind: 'compare', value: { kind: 'boolean', value: false } },
        { kind: 'compare', op: '>', value: { kind: 'datetime', value: Date.UTC(2024, 0, 2, 3, 4, 5) } },
        { kind: 'compare', op: '>=', value: { kind: 'number', value: -1.5 } },
        { kind: 'compare', value: { kind: 'date', value: '2024-01-02' } },
      ],
    });
  });

  it('takes Order, a keyword too, as the object of FROM', () => {
    expect(parseSoql('SELECT Id FROM Order').from).toEqual({ name: 'Order', pos: 15 });
    const query = parseSoql("SELECT Id FROM Order WHERE Status = 'Draft' ORDER BY Name");
    expect(query.from.name).toBe('Order');
    expect(query.orderBy).toEqual([expect.objectContaining({ field: expect.objectContaining({ path: ['Name'] }) })]);
    expect(parseSoql('SELECT Id FROM Order ORDER BY Name').orderBy).toHaveLength(1);
    expect(parseSoql('select Order.Name from OrderItem where Order.IsDeleted = true').select).toEqual([
      { kind: 'field', path: ['Order', 'Name'], pos: 7 },
    ]);
  });

  it.each([
    ['SELECT Id FROM ORDER BY Name', 15, "unexpected token: 'ORDER'"],
    ['SELECT Id FROM Account WHERE', 28, 'unexpected token: <EOF>'],
    ["SELECT Id FROM Account WHERE A = 'a' AND B = 'b' OR C = 'c'", 49, "unexpected token: 'OR'"],
    ['SELECT FROM Account', 7, "unexpected token: 'FROM'"],
    ['SELECT Id Account', 10, "unexpected token: 'Account'"],
    ["SELECT Id FROM Account WHERE Name = 'open", 36, "unexpected token: ''open'"],
    ['SELECT Id FROM Account LIMIT -1', 29, "unexpected token: '-1'"],
    ['SELECT Id FROM Account WHERE Name = Name', 36, "unexpected token: 'Name'"],
  ])('rejects %s at position %i', (soql, pos, message) => {
    let error: unknown;
    try {
      parseSoql(soql);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SoqlSyntaxError);
    expect(error).toMatchObject({ pos, message });
  });

  it('formats errors like Salesforce: query line, caret, row and column', () => {
    expect(formatSoqlError('SELECT Id FROM Account WHERE', 28, 'unexpected token: <EOF>')).toBe(
      '\nSELECT Id FROM Account WHERE\n                            ^\nERROR at Row:1:Column:29\nunexpected token: <EOF>',
    );
    expect(formatSoqlError('SELECT Id\nFROM Nope', 15, 'boom')).toBe(
      '\nFROM Nope\n     ^\nERROR at Row:2:Column:6\nboom',
    );
  });
});
