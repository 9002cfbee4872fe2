import { timingSafeEqual } from 'node:crypto';
import { sameSecret } from './secret-compare';

jest.mock('node:crypto', () => {
  const actual = jest.requireActual<typeof import('node:crypto')>('node:crypto');
  return { ...actual, timingSafeEqual: jest.fn(actual.timingSafeEqual) };
});

describe('sameSecret', () => {
  beforeEach(() => jest.mocked(timingSafeEqual).mockClear());

  it('accepts the same secret and refuses another, a prefix, a longer one, an empty and a missing one', () => {
    const secret = 'a-shared-secret-of-some-length';
    expect(sameSecret(secret, secret)).toBe(true);
    expect(sameSecret(Buffer.from(secret), secret)).toBe(true);
    expect(sameSecret('a-shared-secret-of-some-lengtH', secret)).toBe(false);
    expect(sameSecret(secret.slice(0, 10), secret)).toBe(false);
    expect(sameSecret(`${secret}x`, secret)).toBe(false);
    expect(sameSecret('', secret)).toBe(false);
    expect(sameSecret(undefined, secret)).toBe(false);
  });

  it('compares in constant time: one timingSafeEqual over equal-length digests, whatever the lengths offered', () => {
    for (const offered of ['short', 'a-much-longer-offered-value-than-the-secret', undefined]) {
      sameSecret(offered, 'the-expected-secret');
    }
    const calls = jest.mocked(timingSafeEqual).mock.calls;
    expect(calls).toHaveLength(3);
    for (const [a, b] of calls) {
      expect((a as Buffer).length).toBe(32);
      expect((b as Buffer).length).toBe(32);
    }
  });
});
