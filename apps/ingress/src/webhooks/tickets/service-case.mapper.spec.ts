import { caseReferences, casePriority, caseStatus } from './service-case.mapper';

describe('caseStatus and casePriority', () => {
  it.each([
    ['ZENDESK', 'NEW', 'new'],
    ['ZENDESK', 'hold', 'on_hold'],
    ['ZENDESK', 'On-hold', 'on_hold'],
    ['ZENDESK', 'Solved', 'solved'],
    ['ZENDESK', 'CLOSED', 'closed'],
    ['ZENDESK', 'Awaiting parts', 'other'],
    ['FRESHDESK', 'Resolved', 'solved'],
    ['FRESHDESK', '3', 'pending'],
  ] as const)('%s status %s is %s', (desk, status, expected) => {
    expect(caseStatus(desk, status)).toBe(expected);
  });

  it.each([
    ['ZENDESK', 'NORMAL', 'normal'],
    ['ZENDESK', '-', null],
    ['ZENDESK', null, null],
    ['FRESHDESK', 'Medium', 'normal'],
    ['FRESHDESK', '1', 'low'],
    ['FRESHDESK', 'Critical', null],
  ] as const)('%s priority %s is %s', (desk, priority, expected) => {
    expect(casePriority(desk, priority)).toBe(expected);
  });
});

describe('caseReferences', () => {
  const refs = (subject: string | null, orderReference: string | null = null, invoiceReference: string | null = null) =>
    caseReferences({ subject, orderReference, invoiceReference });

  it('prefers the desk fields, without a leading #', () => {
    expect(refs('About #S00001', '#S00042', 'INV/2024/00003')).toEqual({
      orderReference: 'S00042',
      invoiceReference: 'INV/2024/00003',
    });
  });

  it('reads #S00042 and #INV/2024/00001 tokens from the subject', () => {
    expect(refs('Re: order #S00042, invoice #INV/2024/00017 (late)')).toEqual({
      orderReference: 'S00042',
      invoiceReference: 'INV/2024/00017',
    });
    expect(refs('#RINV/2024/01/0003 credit note')).toEqual({
      orderReference: null,
      invoiceReference: 'RINV/2024/01/0003',
    });
  });

  it('takes no token without its #, nor one glued to other text', () => {
    expect(refs('Order S00042 and INV/2024/00017')).toEqual({ orderReference: null, invoiceReference: null });
    expect(refs('ref#S00042 #S00042x #S0004')).toEqual({ orderReference: null, invoiceReference: null });
    expect(refs(null)).toEqual({ orderReference: null, invoiceReference: null });
  });
});
