import { countServiceLoad, CountedTicket, sameServiceLoad } from './service-load';

const ticket = (status: string, priority: string | null, openedAt: number): CountedTicket => ({
  status,
  priority,
  openedAt,
});

describe("a customer's service load", () => {
  it('counts new, open, pending and on-hold tickets as open, and of them the high and urgent ones', () => {
    const tickets = [
      ticket('new', 'low', 5),
      ticket('open', 'urgent', 3),
      ticket('pending', 'high', 9),
      ticket('on_hold', null, 7),
      ticket('open', 'normal', 4),
    ];
    expect(countServiceLoad(tickets)).toEqual({ openTickets: 5, urgentOpenTickets: 2, oldestOpenSince: 3 });
  });

  it('leaves out solved, closed and unknown (custom) statuses, urgent or not, also for the oldest', () => {
    const tickets = [
      ticket('solved', 'urgent', 1),
      ticket('closed', 'high', 2),
      ticket('other', 'urgent', 3),
      ticket('open', 'low', 8),
    ];
    expect(countServiceLoad(tickets)).toEqual({ openTickets: 1, urgentOpenTickets: 0, oldestOpenSince: 8 });
  });

  it('is zero, with no oldest, without open tickets', () => {
    expect(countServiceLoad([])).toEqual({ openTickets: 0, urgentOpenTickets: 0, oldestOpenSince: null });
    expect(countServiceLoad([ticket('solved', 'urgent', 1)])).toEqual({
      openTickets: 0,
      urgentOpenTickets: 0,
      oldestOpenSince: null,
    });
  });

  it('compares two counts by what they say', () => {
    const count = { openTickets: 2, urgentOpenTickets: 1, oldestOpenSince: 3 };
    expect(sameServiceLoad(count, { ...count })).toBe(true);
    expect(sameServiceLoad(count, { ...count, urgentOpenTickets: 0 })).toBe(false);
    expect(sameServiceLoad(count, { ...count, oldestOpenSince: null })).toBe(false);
  });
});
