import {
  createIsolatedOdoo as createOdoo,
  insertBuyers,
  insertCompanies,
  IsolatedOdoo,
} from '../../../scripts/lib/isolated-odoo';
import { stack } from './stack';

export { insertBuyers, insertCompanies, IsolatedOdoo };

/** An Odoo database and connector of a test's own, beside the running stack's (see scripts/lib/isolated-odoo.ts). */
export function createIsolatedOdoo(name: string, changesTopic: string): Promise<IsolatedOdoo> {
  const s = stack();
  return createOdoo(
    { hubUrl: s.postgres.hub, odooUrl: s.postgres.odoo, connectUrl: s.connect.url },
    name,
    changesTopic,
  );
}
