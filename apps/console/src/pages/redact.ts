/**
 * Personal data a viewer does not need: customer emails, phone numbers and street addresses, wherever they sit in an
 * exception's context or a dead letter's detail (by key, and any string that is an email address). An operator sees
 * them: fixing an order may need the customer's contact.
 */
const PERSONAL_KEYS = /^(e-?mail|email_normalized|phone|mobile|fax|street2?|address)$/i;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;

/** `jane@example.com` → `j***@example.com`; anything else → `***` keeping its last two characters when long. */
export function maskValue(value: unknown): unknown {
  if (value === null || value === undefined || value === '') return value;
  if (typeof value === 'object') return '***';
  const s = String(value);
  if (EMAIL.test(s)) return maskEmails(s);
  return s.length > 6 ? `***${s.slice(-2)}` : '***';
}

function maskEmails(s: string): string {
  EMAIL.lastIndex = 0;
  return s.replace(EMAIL, (email) => `${email[0]}***${email.slice(email.indexOf('@'))}`);
}

/** A deep copy of `value` with personal data masked. */
export function redactPersonalData(value: unknown): unknown {
  if (typeof value === 'string') {
    EMAIL.lastIndex = 0;
    return EMAIL.test(value) ? maskEmails(value) : value;
  }
  if (Array.isArray(value)) return value.map(redactPersonalData);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, PERSONAL_KEYS.test(k) ? maskValue(v) : redactPersonalData(v)]),
    );
  }
  return value;
}
