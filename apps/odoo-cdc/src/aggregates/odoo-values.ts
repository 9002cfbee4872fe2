import { formatUnscaled, parseToUnscaled } from '@hub/canonical';
import { PermanentError, PermanentErrorCode } from '@hub/resilience';
import type { OdooRow } from '../mirror/cdc-mirror.repository';

/** Scale and precision of every canonical money and quantity field (schemas/avro: decimal(20, 4)). */
export const MONEY_SCALE = 4;
export const MONEY_PRECISION = 20;

/** Reads Debezium's JSON rendering of Odoo columns, naming the table, id and field when a value is impossible. */
export class RowReader {
  constructor(
    readonly table: string,
    readonly row: OdooRow,
  ) {}

  fail(field: string, what: string): never {
    throw new PermanentError(
      PermanentErrorCode.INVALID_RECORD,
      `${this.table} id=${this.row.id}: ${field} ${what} (${JSON.stringify(this.row[field])})`,
    );
  }

  text(field: string): string | null {
    const v = this.row[field];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'string') this.fail(field, 'is not text');
    return v;
  }

  requiredText(field: string): string {
    const v = this.text(field);
    if (v === null || v === '') this.fail(field, 'is required');
    return v;
  }

  /** A translatable column (jsonb {"en_US": …}, sent by Debezium as JSON text): the en_US value, else the first. */
  translated(field: string): string | null {
    const v = this.row[field];
    if (v === null || v === undefined) return null;
    let parsed: unknown = v;
    if (typeof v === 'string') {
      try {
        parsed = JSON.parse(v);
      } catch {
        return v;
      }
    }
    if (typeof parsed === 'string') return parsed;
    if (!parsed || typeof parsed !== 'object') this.fail(field, 'is not a translated value');
    const map = parsed as Record<string, unknown>;
    const value = map.en_US ?? Object.values(map)[0];
    return typeof value === 'string' ? value : null;
  }

  int(field: string): number | null {
    const v = this.row[field];
    if (v === null || v === undefined) return null;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(field, 'is not an integer');
    return v;
  }

  requiredInt(field: string): number {
    const v = this.int(field);
    if (v === null) this.fail(field, 'is required');
    return v;
  }

  bool(field: string, fallback: boolean): boolean {
    const v = this.row[field];
    if (v === null || v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(field, 'is not a boolean');
    return v;
  }

  /** A numeric column (a string with decimal.handling.mode=string) as a canonical decimal(20, 4) string. */
  decimal(field: string, options: { min?: number } = {}): string {
    const v = this.row[field];
    if (v === null || v === undefined) return formatUnscaled(0n, MONEY_SCALE);
    const unscaled = parseToUnscaled(typeof v === 'number' ? String(v) : v, MONEY_SCALE, MONEY_PRECISION);
    if (unscaled === undefined) this.fail(field, `is not a decimal with at most ${MONEY_SCALE} decimals`);
    if (options.min !== undefined && unscaled < BigInt(options.min) * 10n ** BigInt(MONEY_SCALE)) {
      this.fail(field, `is below ${options.min}`);
    }
    return formatUnscaled(unscaled, MONEY_SCALE);
  }

  /**
   * A float8 column that holds money (sale_order_line.price_tax is a Float without digits in Odoo 17): Odoo rounds the
   * amount to the currency before storing it, but the double it stores prints with binary noise (41.979000000000006),
   * so it is rounded to the canonical scale; null when the column is empty, not zero, since empty means not computed.
   */
  moneyFloat(field: string): string | null {
    const v = this.row[field];
    if (v === null || v === undefined) return null;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isFinite(n)) this.fail(field, 'is not a number');
    const unscaled = parseToUnscaled(n.toFixed(MONEY_SCALE), MONEY_SCALE, MONEY_PRECISION);
    if (unscaled === undefined) this.fail(field, `does not fit decimal(${MONEY_PRECISION}, ${MONEY_SCALE})`);
    return formatUnscaled(unscaled, MONEY_SCALE);
  }

  oneOf<T extends string>(field: string, allowed: readonly T[]): T {
    const v = this.text(field);
    if (v === null || !allowed.includes(v as T)) this.fail(field, `is not one of ${allowed.join(', ')}`);
    return v as T;
  }

  /** timestamp columns arrive as epoch milliseconds (time.precision.mode=connect). */
  timestamp(field: string): number | null {
    return this.int(field);
  }

  /** date columns arrive as days since the epoch. */
  date(field: string): number | null {
    return this.int(field);
  }
}

export function sumDecimals(values: string[]): string {
  return formatUnscaled(
    values.reduce((acc, v) => acc + parseToUnscaled(v, MONEY_SCALE, MONEY_PRECISION + 4)!, 0n),
    MONEY_SCALE,
  );
}
