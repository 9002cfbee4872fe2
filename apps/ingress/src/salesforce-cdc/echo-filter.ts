import type { SalesforceChange } from './salesforce-change';

/** How the hub's own writes are recognised when Salesforce sends them back. */
export interface EchoRules {
  /** Client ids the hub's apps name in `Sforce-Call-Options: client=…` on every write. */
  clients: readonly string[];
  /** Salesforce user ids that only the hub uses (an integration user of its own): every change by them is the hub's. */
  users: readonly string[];
}

/** The client id of a change's origin: `com/salesforce/api/rest/62.0;client=odoo-hub` → `odoo-hub`. */
export function originClient(changeOrigin: string): string | undefined {
  for (const part of changeOrigin.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === 'client' && rest.length) return rest.join('=');
  }
  return undefined;
}

/**
 * Why a change is the hub's own write coming back ('client' or 'user'), or undefined for anyone else's change. A
 * change event is one transaction of one writer, so a change the hub made holds only fields the hub wrote: it is
 * dropped whole, while a person's edit in between is a change event of its own and flows.
 */
export function hubWrote(change: SalesforceChange, rules: EchoRules): 'client' | 'user' | undefined {
  const client = originClient(change.changeOrigin);
  if (client !== undefined && rules.clients.includes(client)) return 'client';
  if (change.commitUser && rules.users.includes(change.commitUser)) return 'user';
  return undefined;
}
