import { floatIsZero, floatRound, quantityLeftToReturn, returnedPickingAction } from './stock-return.quantities';

describe('floatRound / floatIsZero', () => {
  it('rounds half away from zero to the unit precision, as odoo.tools.float_round', () => {
    expect(floatRound(2.675, 0.01)).toBe(2.68);
    expect(floatRound(-2.675, 0.01)).toBe(-2.68);
    expect(floatRound(0.1 + 0.2, 0.01)).toBe(0.3);
    expect(floatRound(2.5, 1)).toBe(3);
    expect(floatRound(0, 0.01)).toBe(0);
  });

  it('treats what rounds to less than one step as zero', () => {
    expect(floatIsZero(0.004, 0.01)).toBe(true);
    expect(floatIsZero(-0.004, 0.01)).toBe(true);
    expect(floatIsZero(0.005, 0.01)).toBe(false);
    expect(floatIsZero(3 - 3, 0.01)).toBe(true);
  });
});

describe('quantityLeftToReturn', () => {
  it('is the whole move when nothing was returned', () => {
    expect(quantityLeftToReturn(5, [], 0.01)).toBe(5);
  });

  it('takes off ready returns by their reserved quantity and done returns by their demand', () => {
    expect(
      quantityLeftToReturn(
        5,
        [
          { state: 'assigned', quantity: 1, productQty: 1 },
          { state: 'partially_available', quantity: 0.5, productQty: 1 },
          { state: 'done', quantity: 2, productQty: 2 },
        ],
        0.01,
      ),
    ).toBe(1.5);
  });

  it('ignores returns that are draft, waiting, confirmed or cancelled, as Odoo 17 does', () => {
    const waiting = ['draft', 'waiting', 'confirmed', 'cancel'].map((state) => ({ state, quantity: 1, productQty: 1 }));
    expect(quantityLeftToReturn(3, waiting, 0.01)).toBe(3);
  });

  it('is zero once the move is fully returned, and rounds to the unit', () => {
    expect(quantityLeftToReturn(3, [{ state: 'assigned', quantity: 3, productQty: 3 }], 0.01)).toBe(0);
    expect(quantityLeftToReturn(1, [{ state: 'done', quantity: 0.1 + 0.2, productQty: 0.1 + 0.2 }], 0.01)).toBe(0.7);
  });
});

describe('returnedPickingAction', () => {
  it("opens the new picking's form, keeping the caller's context and resetting the list filters", () => {
    expect(returnedPickingAction(42, 1, 7, { lang: 'en_US' })).toEqual({
      name: 'Returned Picking',
      view_mode: 'form,tree,calendar',
      res_model: 'stock.picking',
      res_id: 42,
      type: 'ir.actions.act_window',
      context: {
        lang: 'en_US',
        default_partner_id: 7,
        search_default_picking_type_id: 1,
        search_default_draft: false,
        search_default_assigned: false,
        search_default_confirmed: false,
        search_default_ready: false,
        search_default_planning_issues: false,
        search_default_available: false,
      },
    });
  });
});
