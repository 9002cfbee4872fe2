import { RestartBackoff } from './restart-backoff';

const failed = { failed: true, running: false };
const running = { failed: false, running: true };

describe('RestartBackoff', () => {
  const options = { initialMs: 1_000, maxMs: 8_000, resetAfterMs: 60_000 };

  it('restarts the first failure at once, then waits 1, 2, 4, 8, 8 s between restarts', () => {
    const b = new RestartBackoff(options);
    let now = 0;
    const restartTimes: number[] = [];
    while (restartTimes.length < 6) {
      if (b.observe(now, failed)) {
        b.restarted(now);
        restartTimes.push(now);
      }
      now += 100;
    }
    expect(restartTimes).toEqual([0, 1_000, 3_000, 7_000, 15_000, 23_000]);
    expect(b.attempts).toBe(6);
  });

  it('does not forgive a failure that comes back soon after a restart', () => {
    const b = new RestartBackoff(options);
    expect(b.observe(0, failed)).toBe(true);
    b.restarted(0);
    expect(b.observe(500, running)).toBe(false);
    expect(b.observe(600, failed)).toBe(false); // still within the 1 s wait
    expect(b.observe(1_000, failed)).toBe(true);
    b.restarted(1_000);
    expect(b.attempts).toBe(2);
  });

  it('starts again from an immediate restart once the capture ran for resetAfterMs', () => {
    const b = new RestartBackoff(options);
    for (const t of [0, 1_000, 3_000]) {
      expect(b.observe(t, failed)).toBe(true);
      b.restarted(t);
    }
    b.observe(4_000, running);
    b.observe(64_000, running);
    expect(b.attempts).toBe(0);
    expect(b.observe(64_100, failed)).toBe(true);
  });

  it('never restarts what is not failed', () => {
    const b = new RestartBackoff(options);
    expect(b.observe(0, { failed: false, running: false })).toBe(false);
    expect(b.observe(1, running)).toBe(false);
  });
});
