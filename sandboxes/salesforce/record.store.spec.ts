import { looksLikeId } from './record-id';
import { randomIdSpace, RecordStore } from './record.store';

describe('RecordStore Ids', () => {
  it('gives two sandboxes, like two orgs, different Ids for their first records', () => {
    const ids = new Set(Array.from({ length: 50 }, () => new RecordStore().nextId('001')));
    expect(ids.size).toBe(50);
    for (const id of ids) expect(looksLikeId(id)).toBe(true);
  });

  it('counts up from the id space it is given, and again from its start after a reset (a new org)', () => {
    const store = new RecordStore({ pod: 'Hb', firstSerial: 1 });
    expect([store.nextId('001'), store.nextId('001'), store.nextId('003')]).toEqual([
      '001Hb0000000001IAA',
      '001Hb0000000002IAA',
      '003Hb0000000001IAA',
    ]);
    store.clear();
    expect(store.nextId('001')).toBe('001Hb0000000001IAA');
  });

  it('draws a starting serial that leaves room for 2^40 records of an object', () => {
    for (let i = 0; i < 100; i++) {
      const { pod, firstSerial } = randomIdSpace();
      expect(pod).toMatch(/^[0-9A-Za-z]{2}$/);
      expect(firstSerial + 2 ** 40).toBeLessThan(62 ** 10);
    }
  });
});
