import { ab64Decode, ab64Encode, hashPbkdf2Sha512, isModularCryptHash, newApiKey, verifyPbkdf2Sha512 } from './passlib';

// Computed independently with Python's hashlib.pbkdf2_hmac('sha512', b'secret', bytes(range(16)), 1000, 64),
// written in passlib's format (ab64: '.' for '+', no padding).
const REFERENCE =
  '$pbkdf2-sha512$1000$AAECAwQFBgcICQoLDA0ODw$8ltlLe5cI6KNrWOmMFkTi2iE7fEXJKJJR9lhjd/xSn68.xOqzv2h20C4IDv/enqlx8f6AaRHE.6XnvHKXKhAjA';

describe('passlib pbkdf2_sha512', () => {
  it('verifies a hash made by Python', async () => {
    expect(await verifyPbkdf2Sha512('secret', REFERENCE)).toBe(true);
    expect(await verifyPbkdf2Sha512('Secret', REFERENCE)).toBe(false);
  });

  it('makes the same hash from the same salt', async () => {
    const salt = Buffer.from(Array.from({ length: 16 }, (_, i) => i));
    expect(await hashPbkdf2Sha512('secret', 1000, salt)).toBe(REFERENCE);
  });

  it('round-trips with a random salt and refuses other formats', async () => {
    const hash = await hashPbkdf2Sha512('k3y', 6000);
    expect(hash).toMatch(/^\$pbkdf2-sha512\$6000\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
    expect(await verifyPbkdf2Sha512('k3y', hash)).toBe(true);
    expect(await verifyPbkdf2Sha512('k3y', 'k3y')).toBe(false);
    expect(await verifyPbkdf2Sha512('k3y', '$pbkdf2-sha256$6000$abc$def')).toBe(false);
  });

  it('encodes ab64 without padding and with dots', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xbf]);
    expect(ab64Encode(bytes)).toBe('././');
    expect(ab64Decode('././')).toEqual(bytes);
  });

  it('tells hashes from plain text, and makes 40-hex-digit keys', () => {
    expect(isModularCryptHash(REFERENCE)).toBe(true);
    expect(isModularCryptHash('admin')).toBe(false);
    expect(newApiKey()).toMatch(/^[0-9a-f]{40}$/);
  });
});
