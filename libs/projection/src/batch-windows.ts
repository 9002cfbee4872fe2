/**
 * Batch windows: when an entity's changes are applied to the target, for entities that are not applied in real time.
 * Pure (a clock is passed in), so the rules below are tested with fixed times.
 *
 * Three kinds of window, per entity:
 * - `01:00-05:00` (several joined by `+`, e.g. `01:00-05:00+12:30-13:00`): open every day between those wall-clock
 *   times of the configured time zone, end excluded; a window may pass midnight (`22:00-02:00`). Everything that
 *   arrives while it is open is applied at once; at its end the lane stops, caught up or not.
 * - `every 15m for 3m`: open for 3 minutes at each multiple of 15 minutes since the Unix epoch (:00, :15, :30, :45
 *   for 15m), like a daily window.
 * - `every 15m`: at each multiple of 15 minutes, the lane runs until it has applied every record that was on its
 *   topic when it opened, then stops: each record waits at most one interval plus the time to apply the backlog.
 */
export type BatchWindow =
  | { kind: 'daily'; ranges: { startMinute: number; endMinute: number }[]; text: string }
  | { kind: 'every'; everyMs: number; forMs?: number; text: string };

/** Where a window stands at one instant. */
export interface WindowPhase {
  /** A timed window (daily, or `every … for …`) is open now. Always false for a drain (`every` alone). */
  open: boolean;
  /**
   * The next instant the window opens (for a drain: the next interval), as epoch ms; while open, the start after the
   * current one.
   */
  nextOpenAt: number;
  /** While open: when it closes. */
  closesAt?: number;
  /** The current interval's index (drains and `every … for …`): a new index is a new interval. */
  interval?: number;
}

const MINUTE = 60_000;
const UNITS = { s: 1_000, m: MINUTE, h: 60 * MINUTE } as const;

/** `30s`, `15m`, `2h` as milliseconds; undefined when malformed or zero. */
function duration(text: string): number | undefined {
  const m = /^(\d+)(s|m|h)$/.exec(text.trim());
  if (!m) return undefined;
  const ms = Number(m[1]) * UNITS[m[2] as keyof typeof UNITS];
  return ms > 0 ? ms : undefined;
}

/** `HH:MM` as minutes after midnight; `24:00` is the end of the day. */
function clock(text: string): number | undefined {
  const m = /^([01]\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (!m) return undefined;
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  return minutes <= 24 * 60 ? minutes : undefined;
}

/** The minutes of the day a range covers, as [from, to) intervals within one day (a range past midnight is two). */
function spans({ startMinute, endMinute }: { startMinute: number; endMinute: number }): [number, number][] {
  return startMinute < endMinute
    ? [[startMinute, endMinute]]
    : [
        [startMinute, 24 * 60],
        [0, endMinute],
      ];
}

/** One entity's window from its text, or the reason it is not one. */
export function parseBatchWindow(text: string): BatchWindow | string {
  const trimmed = text.trim();
  const every = /^every\s+(\S+)(?:\s+for\s+(\S+))?$/.exec(trimmed);
  if (every) {
    const everyMs = duration(every[1]);
    if (everyMs === undefined) return `bad interval "${every[1]}" (expected e.g. 30s, 15m, 2h)`;
    if (every[2] === undefined) return { kind: 'every', everyMs, text: trimmed };
    const forMs = duration(every[2]);
    if (forMs === undefined) return `bad length "${every[2]}" (expected e.g. 30s, 5m)`;
    if (forMs >= everyMs) return `"for ${every[2]}" is not shorter than "every ${every[1]}": that is real time`;
    return { kind: 'every', everyMs, forMs, text: trimmed };
  }
  const ranges: { startMinute: number; endMinute: number }[] = [];
  for (const part of trimmed.split('+').map((p) => p.trim())) {
    const m = /^(\S+)-(\S+)$/.exec(part);
    const startMinute = m ? clock(m[1]) : undefined;
    const endMinute = m ? clock(m[2]) : undefined;
    if (startMinute === undefined || endMinute === undefined) {
      return `bad window "${part}" (expected HH:MM-HH:MM, several joined by +, or "every 15m", "every 1h for 10m")`;
    }
    if (startMinute % (24 * 60) === endMinute % (24 * 60)) return `window "${part}" is empty (or the whole day)`;
    ranges.push({ startMinute: startMinute % (24 * 60), endMinute: endMinute % (24 * 60) });
  }
  for (let i = 0; i < ranges.length; i++) {
    for (let j = i + 1; j < ranges.length; j++) {
      const overlap = spans(ranges[i]).some(([a, b]) => spans(ranges[j]).some(([c, d]) => a < d && c < b));
      if (overlap) return `windows "${rangeText(ranges[i])}" and "${rangeText(ranges[j])}" overlap`;
    }
  }
  return { kind: 'daily', ranges, text: trimmed };
}

const hhmm = (minute: number) =>
  `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
const rangeText = (r: { startMinute: number; endMinute: number }) => `${hhmm(r.startMinute)}-${hhmm(r.endMinute)}`;

/**
 * `Product=01:00-05:00,Customer=every 15m` (the format of RECONCILE_SCHEDULE): each entity's window. Every problem is
 * named with its entry: an entity not in `entities`, one named twice, a malformed or empty window, overlapping ones.
 */
export function parseBatchWindows(
  text: string,
  entities: readonly string[],
): { windows: Map<string, BatchWindow>; problems: string[] } {
  const windows = new Map<string, BatchWindow>();
  const problems: string[] = [];
  for (const entry of text
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const eq = entry.indexOf('=');
    const name = eq < 0 ? entry : entry.slice(0, eq).trim();
    if (eq < 0) {
      problems.push(`"${entry}": expected Entity=window`);
      continue;
    }
    if (!entities.includes(name)) {
      problems.push(`"${entry}": unknown entity "${name}" (expected one of ${entities.join(', ')})`);
      continue;
    }
    if (windows.has(name)) {
      problems.push(`"${entry}": ${name} has a window already (join daily windows with +)`);
      continue;
    }
    const window = parseBatchWindow(entry.slice(eq + 1));
    if (typeof window === 'string') problems.push(`"${entry}": ${window}`);
    else windows.set(name, window);
  }
  return { windows, problems };
}

/** Whether `timeZone` is an IANA time zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock minute of the day at `at` in `timeZone`. */
function minuteOfDay(at: number, timeZone: string): number {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
    formatters.set(timeZone, f);
  }
  const parts = f.formatToParts(at);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return part('hour') * 60 + part('minute');
}

function dailyOpenAt(w: Extract<BatchWindow, { kind: 'daily' }>, at: number, timeZone: string): boolean {
  const minute = minuteOfDay(at, timeZone);
  return w.ranges.some((r) => spans(r).some(([from, to]) => minute >= from && minute < to));
}

/**
 * The next instant after `at` the daily window's state differs from `state`. Wall-clock windows change state only on
 * a whole minute, and every time zone's offset is a whole number of minutes, so whole UTC minutes are looked at (two
 * days of them at most, through a daylight-saving change).
 */
function nextDailyChange(
  w: Extract<BatchWindow, { kind: 'daily' }>,
  at: number,
  timeZone: string,
  state: boolean,
): number {
  const first = Math.floor(at / MINUTE) * MINUTE + MINUTE;
  for (let t = first; t < first + 2 * 24 * 60 * MINUTE + 2 * 60 * MINUTE; t += MINUTE) {
    if (dailyOpenAt(w, t, timeZone) !== state) return t;
  }
  // A window every minute of which is skipped by the clock (never in practice): treat it as never changing.
  return Number.POSITIVE_INFINITY;
}

/** Where `w` stands at `at`; `timeZone` applies to daily windows. */
export function windowPhase(w: BatchWindow, at: number, timeZone = 'UTC'): WindowPhase {
  if (w.kind === 'every') {
    const interval = Math.floor(at / w.everyMs);
    const start = interval * w.everyMs;
    const nextOpenAt = start + w.everyMs;
    if (w.forMs === undefined) return { open: false, nextOpenAt, interval };
    const open = at < start + w.forMs;
    return open ? { open, nextOpenAt, closesAt: start + w.forMs, interval } : { open, nextOpenAt, interval };
  }
  const open = dailyOpenAt(w, at, timeZone);
  if (!open) return { open, nextOpenAt: nextDailyChange(w, at, timeZone, false) };
  const closesAt = nextDailyChange(w, at, timeZone, true);
  return { open, closesAt, nextOpenAt: nextDailyChange(w, closesAt, timeZone, false) };
}
