#!/usr/bin/env node
// Applies the hub database's versioned migrations (migrations/hub) with node-pg-migrate.
// HUB_DATABASE_URL defaults to the local stack's hub database.
import { runner } from 'node-pg-migrate';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const databaseUrl =
  process.env.HUB_DATABASE_URL ?? `postgres://hub:hub@127.0.0.1:${process.env.HUB_PG_PORT ?? 5432}/hub`;
const direction = process.argv[2] === 'down' ? 'down' : 'up';

try {
  const applied = await runner({
    databaseUrl,
    dir: join(root, 'migrations/hub'),
    direction,
    count: direction === 'down' ? 1 : Infinity,
    migrationsTable: 'pgmigrations',
    log: () => {},
  });
  console.log(
    `migrate-hub: ${applied.length ? applied.map((m) => m.name).join(', ') : 'nothing to apply'} (${direction})`,
  );
} catch (error) {
  console.error(`migrate-hub: ${error.message}`);
  process.exit(1);
}
