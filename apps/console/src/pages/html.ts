/**
 * HTML built by tagged templates: every interpolated value is escaped unless it is itself {@link Html} (built by
 * `html` or {@link unsafeRaw}); arrays are joined, null, undefined and false render nothing. No template engine,
 * so a page is a typed function and an unescaped value is visible in the code.
 */
export class Html {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof Html) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return escapeHtml(String(part as string | number | boolean));
}

export function html(strings: TemplateStringsArray, ...parts: Part[]): Html {
  let out = strings[0];
  parts.forEach((part, i) => (out += render(part) + strings[i + 1]));
  return new Html(out);
}

/** Markup the caller vouches for (a constant); never a value that came from a request or another system. */
export function unsafeRaw(markup: string): Html {
  return new Html(markup);
}
