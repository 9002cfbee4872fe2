import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Client } from 'pg';

const ROOT = join(__dirname, '../..');

/**
 * A fresh hub database beside the stack's own (`serverUrl`, e.g. `postgres://…/hub`), migrated like production, for
 * one test file or one bench run: a consumer group started from the beginning needs a mirror and positions of its
 * own. `drop` removes it, connections and all.
 */
export async function createHubDatabase(
  serverUrl: string,
  name: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const db = name.replace(/[^a-z0-9_]/gi, '_').toLowerCase();
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${db}`);
  await admin.end();
  const url = serverUrl.replace(/\/[^/]*$/, `/${db}`);
  execFileSync('node', [join(ROOT, 'scripts/migrate-hub.mjs')], {
    env: { ...process.env, HUB_DATABASE_URL: url },
    stdio: 'ignore',
  });
  return {
    url,
    async drop() {
      const c = new Client({ connectionString: serverUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      await c.end();
    },
  };
}
