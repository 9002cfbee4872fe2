import { csrfMatches, SessionStore } from './session.store';

describe('SessionStore', () => {
  let now = 1_000_000;
  const store = () => new SessionStore('s'.repeat(32), { idleMs: 60_000, maxMs: 600_000 }, () => now);
  const alice = { name: 'alice', role: 'operator' as const };

  it('resumes a session by its signed cookie, and refuses an altered or unsigned one', () => {
    const sessions = store();
    const { session, cookie } = sessions.create(alice);
    expect(sessions.resume(cookie)).toBe(session);
    expect(sessions.resume(session.id)).toBeUndefined();
    expect(sessions.resume(`${session.id}.${'A'.repeat(43)}`)).toBeUndefined();
    const other = new SessionStore('t'.repeat(32), { idleMs: 60_000, maxMs: 600_000 }, () => now);
    expect(other.resume(cookie)).toBeUndefined();
    expect(sessions.resume(undefined)).toBeUndefined();
  });

  it('ends a session idle for too long, and any session past its absolute limit', () => {
    const sessions = store();
    const idle = sessions.create(alice);
    const busy = sessions.create(alice);
    for (let i = 0; i < 10; i++) {
      now += 59_000;
      expect(sessions.resume(busy.cookie)).toBeDefined();
    }
    expect(sessions.resume(idle.cookie)).toBeUndefined();
    now += 59_000; // 11 × 59 s > 600 s since sign-in, though used a minute ago
    expect(sessions.resume(busy.cookie)).toBeUndefined();
  });

  it('ends a session when signed out', () => {
    const sessions = store();
    const { session, cookie } = sessions.create(alice);
    sessions.end(session.id);
    expect(sessions.resume(cookie)).toBeUndefined();
  });

  it('gives each session its own CSRF token, compared exactly', () => {
    const sessions = store();
    const a = sessions.create(alice).session;
    const b = sessions.create(alice).session;
    expect(a.csrf).not.toBe(b.csrf);
    expect(csrfMatches(a, a.csrf)).toBe(true);
    expect(csrfMatches(a, b.csrf)).toBe(false);
    expect(csrfMatches(a, undefined)).toBe(false);
    expect(csrfMatches(a, `${a.csrf}x`)).toBe(false);
  });
});
