import { hashPassword, isPasswordHash, UNKNOWN_USER_HASH, verifyPassword } from './password';

describe('console passwords', () => {
  it('verifies the password a hash was made of, and no other', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(isPasswordHash(hash)).toBe(true);
    expect(hash).not.toMatch(/[:,]/);
    expect(await verifyPassword('correct horse battery staple', hash)).toBe(true);
    expect(await verifyPassword('correct horse battery stapler', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same')).not.toBe(await hashPassword('same'));
  });

  it('matches nothing with a malformed hash, or the unknown user’s', async () => {
    expect(isPasswordHash('plain-text-password')).toBe(false);
    expect(isPasswordHash('scrypt$1000$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe(
      false,
    );
    expect(await verifyPassword('x', 'scrypt$oops')).toBe(false);
    expect(isPasswordHash(UNKNOWN_USER_HASH)).toBe(true);
    expect(await verifyPassword('', UNKNOWN_USER_HASH)).toBe(false);
  });
});
