/**
 * `ir.sequence.next_by_code` / `next_by_id`: prefix + number padded with zeros + suffix. A 'standard' sequence
 * draws from its PostgreSQL sequence `ir_sequence_<id, 3 digits>` (not transactional: a rolled back call leaves a
 * gap, as in Odoo); a 'no_gap' one increments `number_next` in the row.
 */
import type { PoolClient } from 'pg';

interface SequenceRow {
  id: number;
  implementation: string;
  prefix: string | null;
  suffix: string | null;
  padding: number;
  number_increment: number;
}

/** `%(year)s`, `%(month)s`, ... in a prefix or suffix, from the date the number is drawn (UTC here). */
export function interpolate(text: string | null, now: Date): string {
  if (!text) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  const values: Record<string, string> = {
    year: String(now.getUTCFullYear()),
    y: String(now.getUTCFullYear()).slice(2),
    month: pad(now.getUTCMonth() + 1),
    day: pad(now.getUTCDate()),
    h24: pad(now.getUTCHours()),
    min: pad(now.getUTCMinutes()),
    sec: pad(now.getUTCSeconds()),
  };
  return text.replace(/%\((\w+)\)s/g, (whole, key: string) => values[key] ?? whole);
}

export function formatSequence(row: Pick<SequenceRow, 'prefix' | 'suffix' | 'padding'>, n: number, now: Date): string {
  return `${interpolate(row.prefix, now)}${String(n).padStart(row.padding, '0')}${interpolate(row.suffix, now)}`;
}

async function draw(cr: PoolClient, row: SequenceRow): Promise<string> {
  let n: number;
  if (row.implementation === 'standard') {
    const name = `ir_sequence_${String(row.id).padStart(3, '0')}`;
    const { rows } = await cr.query<{ n: string }>('SELECT nextval($1::regclass) AS n', [name]);
    n = Number(rows[0]?.n);
  } else {
    const { rows } = await cr.query<{ n: number }>(
      'UPDATE ir_sequence SET number_next = number_next + number_increment WHERE id = $1 RETURNING number_next - number_increment AS n',
      [row.id],
    );
    n = Number(rows[0]?.n);
  }
  return formatSequence(row, n, new Date());
}

const COLUMNS = 'id, implementation, prefix, suffix, padding, number_increment';

/** The next value of the sequence with this code (the company's own first, then a shared one), or null. */
export async function nextByCode(cr: PoolClient, code: string, companyId: number): Promise<string | null> {
  const { rows } = await cr.query<SequenceRow>(
    `SELECT ${COLUMNS} FROM ir_sequence WHERE code = $1 AND active AND (company_id = $2 OR company_id IS NULL)
     ORDER BY company_id NULLS LAST, id LIMIT 1`,
    [code, companyId],
  );
  return rows[0] ? draw(cr, rows[0]) : null;
}

export async function nextById(cr: PoolClient, id: number): Promise<string | null> {
  const { rows } = await cr.query<SequenceRow>(`SELECT ${COLUMNS} FROM ir_sequence WHERE id = $1`, [id]);
  return rows[0] ? draw(cr, rows[0]) : null;
}

/** `fields.Datetime.now()` as Odoo writes it: UTC, to the second. */
export function odooNow(now = new Date()): string {
  return now.toISOString().replace('T', ' ').slice(0, 19);
}
