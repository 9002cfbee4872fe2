import { SignInThrottle } from './sign-in-throttle';

describe('SignInThrottle', () => {
  const throttle = () =>
    new SignInThrottle({ maxFailuresPerUser: 3, lockoutMs: 60_000, maxFailuresPerAddressPerDay: 5 });

  it('locks a name at one address once its failures reach the limit, for the lockout', async () => {
    const t = throttle();
    expect(await t.failed('ops', '10.0.0.1')).toBe(0);
    expect(await t.failed('ops', '10.0.0.1')).toBe(0);
    const locked = await t.failed('ops', '10.0.0.1');
    expect(locked).toBeGreaterThan(55_000);
    expect(locked).toBeLessThanOrEqual(60_000);
    expect(await t.lockedFor('OPS', '10.0.0.1')).toBeGreaterThan(0);
  });

  it('does not lock the same name at another address, nor another name at the same address', async () => {
    const t = throttle();
    for (let i = 0; i < 3; i++) await t.failed('ops', '10.0.0.1');
    expect(await t.lockedFor('ops', '10.0.0.2')).toBe(0);
    expect(await t.lockedFor('viewer', '10.0.0.1')).toBe(0);
  });

  it('forgets a name’s failures at an address when it signs in there', async () => {
    const t = throttle();
    await t.failed('ops', '10.0.0.1');
    await t.failed('ops', '10.0.0.1');
    await t.succeeded('ops', '10.0.0.1');
    expect(await t.failed('ops', '10.0.0.1')).toBe(0);
  });

  it('locks an address that tries many names', async () => {
    const t = throttle();
    for (const name of ['a', 'b', 'c', 'd']) expect(await t.failed(name, '10.0.0.9')).toBe(0);
    expect(await t.failed('e', '10.0.0.9')).toBeGreaterThan(23 * 3_600_000);
    expect(await t.lockedFor('f', '10.0.0.9')).toBeGreaterThan(0);
  });
});
