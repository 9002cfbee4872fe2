import { StallDetector } from './stall-detector';

describe('StallDetector', () => {
  const AFTER = 60_000;

  it('is not stalled while idle, however long since the last commit', () => {
    const d = new StallDetector(AFTER, 0);
    expect(d.observe(10 * AFTER, 0).stalled).toBe(false);
  });

  it('stalls once a backlog has seen no commit for stallAfterMs, counted from the first reading of the backlog', () => {
    const d = new StallDetector(AFTER, 0);
    // Idle for a long time, then records arrive: the clock starts at the reading that sees them, not at the last commit.
    expect(d.observe(5 * AFTER, 3).stalled).toBe(false);
    expect(d.observe(5 * AFTER + AFTER - 1, 7).stalled).toBe(false);
    const s = d.observe(6 * AFTER, 9);
    expect(s).toMatchObject({ stalled: true, lag: 9, lastCommitAt: 0, stalledSince: 6 * AFTER });
  });

  it('is not stalled while commits keep coming, however large the backlog', () => {
    const d = new StallDetector(AFTER, 0);
    for (let t = 0; t <= 10 * AFTER; t += AFTER / 2) {
      d.committed(t);
      expect(d.observe(t + 1, 100_000).stalled).toBe(false);
    }
  });

  it('recovers at the next commit, and stalls again if commits stop again', () => {
    const d = new StallDetector(AFTER, 0);
    d.observe(1, 5);
    expect(d.observe(AFTER + 1, 5).stalled).toBe(true);
    d.committed(AFTER + 2);
    expect(d.state(AFTER + 3).stalled).toBe(false);
    expect(d.observe(2 * AFTER + 1, 5).stalled).toBe(false);
    expect(d.observe(2 * AFTER + 2, 5).stalled).toBe(true);
  });

  it('recovers when the lag reads 0 (the backlog drained into a commit the watch did not see yet)', () => {
    const d = new StallDetector(AFTER, 0);
    d.observe(0, 2);
    expect(d.observe(AFTER, 2).stalled).toBe(true);
    expect(d.observe(AFTER + 1, 0).stalled).toBe(false);
    // A new backlog starts its own clock.
    expect(d.observe(AFTER + 2, 1).stalled).toBe(false);
    expect(d.observe(2 * AFTER + 2, 1).stalled).toBe(true);
  });

  it('ignores a commit time older than one already seen', () => {
    const d = new StallDetector(AFTER, 0);
    d.committed(50);
    d.committed(10);
    expect(d.state(60).lastCommitAt).toBe(50);
  });

  it('refuses a threshold that is not a positive number', () => {
    expect(() => new StallDetector(0, 0)).toThrow(/stallAfterMs/);
    expect(() => new StallDetector(Number.NaN, 0)).toThrow(/stallAfterMs/);
  });
});
