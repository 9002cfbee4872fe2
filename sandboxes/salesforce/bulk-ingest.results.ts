/**
 * A Bulk API 2.0 ingest job's per-row results, kept compact (one byte of outcome and 18 bytes of Id per row, a
 * message only for failed rows) so that a job of a hundred thousand rows costs a few megabytes, and rendered as the
 * three result CSVs Salesforce serves:
 *
 * - successfulResults: `"sf__Id","sf__Created",` + the row as uploaded;
 * - failedResults: `"sf__Id","sf__Error",` + the row, `sf__Error` being `CODE:message:fields --` per error
 *   (`REQUIRED_FIELD_MISSING:Required fields are missing: [Name]:Name --`), `sf__Id` empty;
 * - unprocessedrecords: the rows not processed (job aborted or failed), as uploaded, under the original header.
 *
 * Rows stay in upload order (Salesforce does not guarantee an order). Each CSV uses the job's delimiter and line
 * ending; the original columns are the uploaded bytes of each record, so values come back exactly as they were sent.
 */
import { COLUMN_DELIMITERS, LINE_ENDINGS, type CsvFormat, type IngestCsv } from './bulk-ingest-csv.parser';
import type { SaveError } from './salesforce.errors';
import type { RecordOutcome } from './sobject-collection.service';

/** A row's outcome, one byte per row. */
const Outcome = { Unprocessed: 0, Created: 1, Updated: 2, Failed: 3 } as const;

const ID_LENGTH = 18;
/** Result CSVs are written in pieces of about this many characters. */
const PIECE_CHARS = 64 * 1024;

/** One error as the Bulk API writes it in `sf__Error`. */
export function formatBulkError(error: SaveError): string {
  return `${error.statusCode}:${error.message}:${error.fields.map((f) => `${f} `).join('')}--`;
}

function quoted(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

export class IngestResults {
  private readonly outcomes: Uint8Array;
  private readonly ids: Buffer;
  private readonly errors = new Map<number, string>();
  private succeeded = 0;
  private failures = 0;

  constructor(readonly rowCount: number) {
    this.outcomes = new Uint8Array(rowCount);
    this.ids = Buffer.alloc(rowCount * ID_LENGTH);
  }

  /** Rows processed, failed ones included (`numberRecordsProcessed`). */
  get processed(): number {
    return this.succeeded + this.failures;
  }

  get failed(): number {
    return this.failures;
  }

  record(row: number, outcome: RecordOutcome): void {
    if (outcome.ok) {
      this.outcomes[row] = outcome.created ? Outcome.Created : Outcome.Updated;
      this.ids.write(outcome.id, row * ID_LENGTH, ID_LENGTH, 'latin1');
      this.succeeded++;
    } else {
      this.outcomes[row] = Outcome.Failed;
      this.errors.set(row, outcome.errors.map(formatBulkError).join(' '));
      this.failures++;
    }
  }

  successfulCsv(csv: IngestCsv, format: CsvFormat): Iterable<string> {
    return this.render(csv, format, ['sf__Id', 'sf__Created'], (row) => {
      const outcome = this.outcomes[row];
      if (outcome !== Outcome.Created && outcome !== Outcome.Updated) return undefined;
      const id = this.ids.toString('latin1', row * ID_LENGTH, (row + 1) * ID_LENGTH);
      return [id, outcome === Outcome.Created ? 'true' : 'false'];
    });
  }

  failedCsv(csv: IngestCsv, format: CsvFormat): Iterable<string> {
    return this.render(csv, format, ['sf__Id', 'sf__Error'], (row) =>
      this.outcomes[row] === Outcome.Failed ? ['', this.errors.get(row) ?? ''] : undefined,
    );
  }

  unprocessedCsv(csv: IngestCsv, format: CsvFormat): Iterable<string> {
    return this.render(csv, format, [], (row) => (this.outcomes[row] === Outcome.Unprocessed ? [] : undefined));
  }

  /** The header, then each row `pick` keeps with its result columns in front, in pieces. */
  private *render(
    csv: IngestCsv,
    format: CsvFormat,
    resultColumns: string[],
    pick: (row: number) => string[] | undefined,
  ): Iterable<string> {
    const delimiter = COLUMN_DELIMITERS[format.columnDelimiter];
    const eol = LINE_ENDINGS[format.lineEnding];
    const line = (front: string[], original: string) => {
      const fields = original === '' ? front.map(quoted) : [...front.map(quoted), original];
      return fields.length ? fields.join(delimiter) + eol : '';
    };
    let piece = line(resultColumns, csv.rawHeader());
    for (let row = 0; row < this.rowCount; row++) {
      const front = pick(row);
      if (!front) continue;
      piece += line(front, csv.rawRow(row));
      if (piece.length >= PIECE_CHARS) {
        yield piece;
        piece = '';
      }
    }
    yield piece;
  }
}
