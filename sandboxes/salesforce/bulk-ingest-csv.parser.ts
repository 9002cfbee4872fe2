/**
 * The CSV data of a Bulk API 2.0 ingest job, read with csv-parse (the parser jsforce itself uses for these results).
 *
 * The upload is kept as the bytes the client sent; a first pass finds where each record ends (nothing else is kept),
 * then records are parsed a batch at a time and the result CSVs echo each record's own bytes. Memory stays at the
 * upload's size plus one offset per row, whatever the number of rows.
 */
import { Parser, type CastingContext, type Info } from 'csv-parse';
import { parse } from 'csv-parse/sync';

/** Bulk API 2.0's column delimiters, by the names a job gives them. */
export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;

export const LINE_ENDINGS = { LF: '\n', CRLF: '\r\n' } as const;
export type LineEnding = keyof typeof LINE_ENDINGS;

export interface CsvFormat {
  columnDelimiter: ColumnDelimiter;
  lineEnding: LineEnding;
}

/** The data cannot be read as the job says it is written; the message is the job's `errorMessage`. */
export class CsvFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CsvFormatError';
  }
}

/** How much of the upload the first pass reads before letting other requests in. */
const SCAN_SLICE_BYTES = 1024 * 1024;
const LF = 0x0a;
const CR = 0x0d;
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

/** Without the line breaks around a record: blank lines skipped before it, its own line ending after. */
function withoutLineBreaks(bytes: Buffer): Buffer {
  let start = 0;
  let end = bytes.length;
  while (start < end && (bytes[start] === LF || bytes[start] === CR)) start++;
  while (end > start && (bytes[end - 1] === LF || bytes[end - 1] === CR)) end--;
  return bytes.subarray(start, end);
}

/**
 * Salesforce refuses data whose rows do not end as the job declared (`ClientInputError : LineEnding is invalid on
 * user data. Current LineEnding setting is LF`); the header's line ending tells.
 */
function checkLineEnding(data: Buffer, lineEnding: LineEnding): void {
  const lf = data.indexOf(LF);
  if (lf < 0) return;
  const crlf = lf > 0 && data[lf - 1] === CR;
  if (crlf !== (lineEnding === 'CRLF')) {
    throw new CsvFormatError(
      `ClientInputError : LineEnding is invalid on user data. Current LineEnding setting is ${lineEnding}`,
    );
  }
}

export class IngestCsv {
  private constructor(
    private readonly data: Buffer,
    private readonly format: CsvFormat,
    /** The header's fields; empty when the upload held no record at all. */
    readonly header: readonly string[],
    /** ends[0]: end of the header; ends[i + 1]: end of row i (byte offsets, line ending included). */
    private readonly ends: Uint32Array,
  ) {}

  /**
   * Reads the whole upload once, yielding to the event loop every megabyte. Throws {@link CsvFormatError} for a line
   * ending other than the job's, an unterminated quote, or a row whose field count differs from the header's.
   */
  static async scan(data: Buffer, format: CsvFormat): Promise<IngestCsv> {
    checkLineEnding(data, format.lineEnding);
    let header: string[] = [];
    const ends: number[] = [];
    let failure: Error | undefined;
    const parser = new Parser({
      ...IngestCsv.options(format),
      bom: true,
      // Returning null keeps nothing: only where each record ends is remembered. (The context carries the parser's
      // Info, byte count included, though csv-parse's types leave it out.)
      on_record: (record: string[], context: CastingContext) => {
        if (ends.length === 0) header = record;
        ends.push((context as CastingContext & Pick<Info, 'bytes'>).bytes);
        return null;
      },
    });
    parser.on('error', (e: Error) => (failure = failure ?? e));
    for (let offset = 0; offset < data.length && !failure; offset += SCAN_SLICE_BYTES) {
      parser.write(data.subarray(offset, offset + SCAN_SLICE_BYTES));
      await new Promise((resolve) => setImmediate(resolve));
    }
    if (!failure) {
      await new Promise<void>((resolve) => {
        parser.once('error', () => resolve());
        parser.once('finish', () => resolve());
        parser.end();
      });
    }
    if (failure) throw new CsvFormatError(`ClientInputError : ${failure.message}`);
    return new IngestCsv(data, format, header, Uint32Array.from(ends));
  }

  private static options(format: CsvFormat) {
    return {
      delimiter: COLUMN_DELIMITERS[format.columnDelimiter],
      record_delimiter: LINE_ENDINGS[format.lineEnding],
      skip_empty_lines: true,
    };
  }

  get rowCount(): number {
    return Math.max(0, this.ends.length - 1);
  }

  /** Rows `from` (inclusive) to `to` (exclusive), each as its fields; only these are held while they are used. */
  rows(from: number, to: number): string[][] {
    const end = Math.min(to, this.rowCount);
    if (from >= end) return [];
    const slice = this.data.subarray(this.ends[from], this.ends[end]);
    return parse(slice, IngestCsv.options(this.format)) as string[][];
  }

  /** The header line as uploaded, without its line ending or byte-order mark. */
  rawHeader(): string {
    if (this.ends.length === 0) return '';
    let bytes = withoutLineBreaks(this.data.subarray(0, this.ends[0]));
    if (bytes.subarray(0, 3).equals(UTF8_BOM)) bytes = bytes.subarray(3);
    return bytes.toString('utf8');
  }

  /** Row `i` as uploaded (quotes, delimiters and embedded line breaks untouched), without its line ending. */
  rawRow(i: number): string {
    return withoutLineBreaks(this.data.subarray(this.ends[i], this.ends[i + 1])).toString('utf8');
  }
}
