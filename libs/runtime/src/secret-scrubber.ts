/**
 * The values of the app's secrets, so that the logger can replace them in every line it writes, whatever carried them
 * there: a field pino's redaction paths do not name, an error message quoting a connection string, a vendor's error
 * body. Filled by `parseConfig` (every `secret()` value) and by `rotatingSecret` (each new value read from a file).
 */
const values = new Set<string>();
let ordered: string[] = [];

/** Shorter values are not scrubbed: they would censor ordinary words and numbers, and guard little. */
export const MIN_SCRUBBED_LENGTH = 8;
export const SCRUBBED = '<redacted>';

function add(value: string | undefined): void {
  if (value === undefined || value.length < MIN_SCRUBBED_LENGTH || values.has(value)) return;
  values.add(value);
  // As JSON writes it too: a value with a quote or a backslash appears escaped in a log line.
  const escaped = JSON.stringify(value).slice(1, -1);
  if (escaped !== value) values.add(escaped);
}

/**
 * Registers a secret's value and the secrets inside it: a connection string's password (as written and decoded), and
 * each entry of a `name=token,…` list.
 */
export function registerSecretValue(value: string): void {
  add(value);
  const url = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:([^@\s]+)@/i.exec(value);
  if (url) {
    add(url[1]);
    try {
      add(decodeURIComponent(url[1]));
    } catch {
      // Not percent-encoded as a URL should be: the raw form is registered above.
    }
  }
  if (value.includes(',') || value.includes('=')) {
    for (const entry of value.split(',')) {
      const piece = entry.trim();
      add(piece);
      add(piece.slice(piece.lastIndexOf('=') + 1));
    }
  }
  ordered = [...values].sort((a, b) => b.length - a.length);
}

/** `text` with every registered secret value replaced by `<redacted>`. */
export function scrubSecrets(text: string): string {
  let out = text;
  for (const value of ordered) {
    if (out.includes(value)) out = out.split(value).join(SCRUBBED);
  }
  return out;
}

/** For tests: forgets every registered value. */
export function clearSecretValues(): void {
  values.clear();
  ordered = [];
}
