import { isTimeZone, parseBatchWindow, parseBatchWindows, windowPhase } from './batch-windows';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

describe('batch windows', () => {
  describe('parsing', () => {
    it('reads daily windows, intervals with and without a length, per entity', () => {
      const { windows, problems } = parseBatchWindows(
        'Product=01:00-05:00, Customer=every 15m ,InventoryLevel=every 1h for 10m,Contact=22:00-02:00+12:00-12:30',
        ['Product', 'Customer', 'InventoryLevel', 'Contact'],
      );
      expect(problems).toEqual([]);
      expect(windows.get('Product')).toEqual({
        kind: 'daily',
        ranges: [{ startMinute: 60, endMinute: 300 }],
        text: '01:00-05:00',
      });
      expect(windows.get('Customer')).toEqual({ kind: 'every', everyMs: 900_000, text: 'every 15m' });
      expect(windows.get('InventoryLevel')).toEqual({
        kind: 'every',
        everyMs: 3_600_000,
        forMs: 600_000,
        text: 'every 1h for 10m',
      });
      expect(windows.get('Contact')).toMatchObject({
        ranges: [
          { startMinute: 22 * 60, endMinute: 120 },
          { startMinute: 12 * 60, endMinute: 12 * 60 + 30 },
        ],
      });
    });

    it('names every bad entry: unknown or repeated entity, malformed, empty or overlapping windows', () => {
      const { windows, problems } = parseBatchWindows(
        'Prodcut=01:00-05:00,Product=1:00-5:00,Customer=every 15x,Contact=03:00-03:00,SalesOrder=01:00-03:00+02:30-04:00,' +
          'Invoice=22:00-02:00+01:00-01:30,Payment=every 10m for 10m,Product=01:00-02:00,Shipment,Product=01:00-02:00',
        ['Product', 'Customer', 'Contact', 'SalesOrder', 'Invoice', 'Payment', 'Shipment'],
      );
      expect(problems).toEqual([
        '"Prodcut=01:00-05:00": unknown entity "Prodcut" (expected one of Product, Customer, Contact, SalesOrder, Invoice, Payment, Shipment)',
        '"Product=1:00-5:00": bad window "1:00-5:00" (expected HH:MM-HH:MM, several joined by +, or "every 15m", "every 1h for 10m")',
        '"Customer=every 15x": bad interval "15x" (expected e.g. 30s, 15m, 2h)',
        '"Contact=03:00-03:00": window "03:00-03:00" is empty (or the whole day)',
        '"SalesOrder=01:00-03:00+02:30-04:00": windows "01:00-03:00" and "02:30-04:00" overlap',
        '"Invoice=22:00-02:00+01:00-01:30": windows "22:00-02:00" and "01:00-01:30" overlap',
        '"Payment=every 10m for 10m": "for 10m" is not shorter than "every 10m": that is real time',
        '"Shipment": expected Entity=window',
        '"Product=01:00-02:00": Product has a window already (join daily windows with +)',
      ]);
      expect([...windows.keys()]).toEqual(['Product']);
    });

    it('takes an empty setting as no batched entity, and 24:00 as the end of the day', () => {
      expect(parseBatchWindows(' ', ['Product'])).toEqual({ windows: new Map(), problems: [] });
      expect(parseBatchWindow('20:00-24:00')).toMatchObject({ ranges: [{ startMinute: 1200, endMinute: 0 }] });
      expect(parseBatchWindow('every 0m')).toBe('bad interval "0m" (expected e.g. 30s, 15m, 2h)');
    });

    it('knows IANA time zones', () => {
      expect(isTimeZone('UTC')).toBe(true);
      expect(isTimeZone('Europe/Brussels')).toBe(true);
      expect(isTimeZone('Europe/Gent')).toBe(false);
    });
  });

  describe('phase at an instant', () => {
    const nightly = parseBatchWindow('01:00-05:00');
    if (typeof nightly === 'string') throw new Error(nightly);

    it('is closed before a daily window, with its next start', () => {
      expect(windowPhase(nightly, at('2026-03-10T00:59:59.999Z'))).toEqual({
        open: false,
        nextOpenAt: at('2026-03-10T01:00:00Z'),
      });
    });

    it('is open from the start (included) to the end (excluded), with its close and the next start', () => {
      for (const t of ['2026-03-10T01:00:00Z', '2026-03-10T04:59:59.999Z']) {
        const phase = windowPhase(nightly, at(t));
        expect([phase.open, iso(phase.closesAt), iso(phase.nextOpenAt)]).toEqual([
          true,
          '2026-03-10T05:00:00.000Z',
          '2026-03-11T01:00:00.000Z',
        ]);
      }
      expect(windowPhase(nightly, at('2026-03-10T05:00:00Z'))).toEqual({
        open: false,
        nextOpenAt: at('2026-03-11T01:00:00Z'),
      });
    });

    it('reads daily windows on the wall clock of the time zone, across a daylight-saving change', () => {
      // Brussels: UTC+1 in winter; on 29 March 2026 clocks go from 02:00 to 03:00 (UTC+2).
      const w = parseBatchWindow('01:00-05:00');
      if (typeof w === 'string') throw new Error(w);
      const winter = windowPhase(w, at('2026-03-27T12:00:00Z'), 'Europe/Brussels');
      expect(iso(winter.nextOpenAt)).toBe('2026-03-28T00:00:00.000Z');
      const change = windowPhase(w, at('2026-03-29T00:30:00Z'), 'Europe/Brussels');
      // 01:30 local, closes at 05:00 local = 03:00 UTC (summer time): the night is an hour shorter.
      expect([change.open, iso(change.closesAt), iso(change.nextOpenAt)]).toEqual([
        true,
        '2026-03-29T03:00:00.000Z',
        '2026-03-29T23:00:00.000Z',
      ]);
    });

    it('opens a window past midnight on both sides of it', () => {
      const w = parseBatchWindow('22:00-02:00');
      if (typeof w === 'string') throw new Error(w);
      expect(windowPhase(w, at('2026-03-10T23:30:00Z'))).toMatchObject({
        open: true,
        closesAt: at('2026-03-11T02:00:00Z'),
      });
      expect(windowPhase(w, at('2026-03-11T01:59:00Z')).open).toBe(true);
      expect(windowPhase(w, at('2026-03-11T02:00:00Z'))).toEqual({
        open: false,
        nextOpenAt: at('2026-03-11T22:00:00Z'),
      });
    });

    it('opens `every … for …` at each multiple of the interval since the epoch, for its length', () => {
      const w = parseBatchWindow('every 15m for 5m');
      if (typeof w === 'string') throw new Error(w);
      const open = windowPhase(w, at('2026-03-10T10:16:00Z'));
      expect([open.open, iso(open.closesAt), iso(open.nextOpenAt)]).toEqual([
        true,
        '2026-03-10T10:20:00.000Z',
        '2026-03-10T10:30:00.000Z',
      ]);
      const closed = windowPhase(w, at('2026-03-10T10:20:00Z'));
      expect([closed.open, iso(closed.nextOpenAt), closed.interval]).toEqual([
        false,
        '2026-03-10T10:30:00.000Z',
        open.interval,
      ]);
    });

    it('never calls a drain (`every …`) open: its intervals are numbered, the next one timed', () => {
      const w = parseBatchWindow('every 20s');
      if (typeof w === 'string') throw new Error(w);
      const a = windowPhase(w, at('2026-03-10T10:00:19.999Z'));
      const b = windowPhase(w, at('2026-03-10T10:00:20Z'));
      expect(a).toEqual({ open: false, nextOpenAt: at('2026-03-10T10:00:20Z'), interval: a.interval });
      expect(b.interval).toBe(a.interval! + 1);
    });
  });
});
