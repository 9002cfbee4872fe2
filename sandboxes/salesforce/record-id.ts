/**
 * Salesforce record Ids: a 3-character key prefix naming the object, a 15-character case-sensitive
 * body, and a 3-character case-safe suffix that makes the 18-character form unique when compared
 * case-insensitively. The API accepts both lengths and always answers 18.
 */

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const ID_PATTERN = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

/** The case-safe suffix: one character per 5-character chunk, a bit set for each upper-case letter. */
export function caseSafeSuffix(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let flags = 0;
    for (let i = 0; i < 5; i++) {
      const c = id15.charAt(chunk * 5 + i);
      if (c >= 'A' && c <= 'Z') flags |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(flags);
  }
  return suffix;
}

export function looksLikeId(value: string): boolean {
  return ID_PATTERN.test(value);
}

/** The 18-character form of a 15- or 18-character Id, or undefined when it is not Id-shaped. */
export function toCaseSafeId(value: string): string | undefined {
  if (!looksLikeId(value)) return undefined;
  const id15 = value.slice(0, 15);
  return id15 + caseSafeSuffix(id15);
}

/** Builds the n-th Id of an object: `<prefix><pod>0…<serial in base 62><suffix>`. */
export function buildId(keyPrefix: string, serial: number, pod = 'Hb'): string {
  if (!/^[a-zA-Z0-9]{3}$/.test(keyPrefix)) throw new TypeError(`key prefix must be 3 characters: ${keyPrefix}`);
  let digits = '';
  let n = Math.floor(serial);
  do {
    digits = BASE62.charAt(n % 62) + digits;
    n = Math.floor(n / 62);
  } while (n > 0);
  const width = 15 - keyPrefix.length - pod.length;
  if (digits.length > width) throw new RangeError(`serial ${serial} does not fit an Id`);
  const id15 = keyPrefix + pod + digits.padStart(width, '0');
  return id15 + caseSafeSuffix(id15);
}
