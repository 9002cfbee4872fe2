import { redactPersonalData } from './redact';

describe('redactPersonalData', () => {
  it('masks emails, phones and streets at any depth, and emails inside any text', () => {
    const context = {
      customer: { id: 7, name: 'Acme', email: 'orders@acme.example', phone: '+32 2 555 01 01' },
      received: {
        shipTo: { street: 'Rue Haute 1', street2: null, city: 'Brussels' },
        lines: [{ sku: 'A-1', description: 'call jane.doe@acme.example first' }],
      },
      credit: { limit: 100, openOrders: 0, thisOrder: 300 },
    };
    expect(redactPersonalData(context)).toEqual({
      customer: { id: 7, name: 'Acme', email: 'o***@acme.example', phone: '***01' },
      received: {
        shipTo: { street: '*** 1', street2: null, city: 'Brussels' },
        lines: [{ sku: 'A-1', description: 'call j***@acme.example first' }],
      },
      credit: { limit: 100, openOrders: 0, thisOrder: 300 },
    });
  });

  it('leaves what holds no personal data as it is', () => {
    expect(redactPersonalData({ kind: 'credit-hold', n: 3, ok: true, none: null })).toEqual({
      kind: 'credit-hold',
      n: 3,
      ok: true,
      none: null,
    });
  });
});
