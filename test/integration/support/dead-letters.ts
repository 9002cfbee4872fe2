import { operatorAuth } from './app-env';

/** A dead letter as an app's `GET /dead-letters` lists it. */
export interface ListedDeadLetter {
  partition: number;
  offset: string;
  key: string;
  reason: string;
  vendorCode?: string;
  message: string;
}

/**
 * The first dead letter of `reason` that `match` accepts, paging through the app's whole listing (`next` → `after`):
 * a run's odoo-cdc replays the shared Odoo history, and a projector may dead-letter much of it before the test's own
 * record, past the first page.
 */
export async function findDeadLetter(
  appUrl: string,
  reason: string,
  match: (entry: ListedDeadLetter) => boolean,
): Promise<ListedDeadLetter | undefined> {
  let after: string | undefined;
  for (let page = 0; page < 1_000; page++) {
    const query = new URLSearchParams({ reason, limit: '500', ...(after ? { after } : {}) });
    const res = await fetch(`${appUrl}/dead-letters?${query}`, { headers: operatorAuth() });
    if (!res.ok) throw new Error(`GET /dead-letters: HTTP ${res.status} ${await res.text()}`);
    const body = (await res.json()) as { entries: ListedDeadLetter[]; next?: string | null };
    const found = body.entries.find(match);
    if (found) return found;
    if (!body.next) return undefined;
    after = body.next;
  }
  return undefined;
}
