/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** An app's `/metrics`, parsed: its samples and the families it declares (`# TYPE name type`). */
export interface Scrape {
  samples: Sample[];
  types: Map<string, string>;
  /** Samples of one name whose labels include `labels`. */
  find(name: string, labels?: Record<string, string | RegExp>): Sample[];
  /** The sum of those samples' values. */
  sum(name: string, labels?: Record<string, string | RegExp>): number;
}

const SAMPLE = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /(\w+)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Scrape {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) (\S+)/.exec(line);
    if (type) types.set(type[1], type[2]);
    if (!line || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, '$1');
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  const matches = (s: Sample, labels: Record<string, string | RegExp>) =>
    Object.entries(labels).every(([k, v]) => (typeof v === 'string' ? s.labels[k] === v : v.test(s.labels[k] ?? '')));
  const find = (name: string, labels: Record<string, string | RegExp> = {}) =>
    samples.filter((s) => s.name === name && matches(s, labels));
  return { samples, types, find, sum: (name, labels) => find(name, labels).reduce((a, s) => a + s.value, 0) };
}

export async function scrape(appUrl: string): Promise<Scrape> {
  const res = await fetch(`${appUrl}/metrics`);
  if (!res.ok) throw new Error(`${appUrl}/metrics answered ${res.status}`);
  return parseExposition(await res.text());
}
