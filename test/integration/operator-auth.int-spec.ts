/**
 * The hub's own HTTP surface, on the real stack: an app's operator API (here projector-support's dead letters) is
 * closed to anyone without a token of HUB_OPERATOR_TOKENS, read here from a secret file; a viewer reads, an operator
 * replays, and each replay is logged and recorded with its caller. Health and metrics stay open. Bodies are
 * validated (a 400 naming the field), a selection names exact partition:offset records, and the listing pages.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { eventually, RunningApp, startApp } from '../../scripts/lib/app-process';
import { startZendeskSandbox } from '../../sandboxes/zendesk/zendesk-sandbox';
import { CONSOLE_TEST_TOKEN, hubEnv, OPERATOR_TEST_TOKEN, VIEWER_TEST_TOKEN } from './support/app-env';
import { produceRaw, readTopic } from './support/kafka';
import { createHubDatabase, ROOT, runId, stack } from './support/stack';

interface Page {
  topic: string;
  held: number;
  count: number;
  entries: { partition: number; offset: string; key: string; reason: string; replayOf?: string }[];
  next: string | null;
}

describe('operator API: tokens with roles, validated bodies, paged dead letters', () => {
  const run = runId('auth');
  const prefix = `it-${run}.`;
  const deadLetterTopic = `${prefix}dlq.projector-support`;
  // Twelve undecodable records: offsets 0 to 11 of the dead-letter topic, so "1" is a substring of 10 and 11.
  const POISON = 12;
  let zendesk: Awaited<ReturnType<typeof startZendeskSandbox>>;
  let hubDb: Awaited<ReturnType<typeof createHubDatabase>>;
  let secrets: string;
  let app: RunningApp;

  const call = async (
    method: 'GET' | 'POST',
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ) => {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: {
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    return { status: response.status, body: (await response.json().catch(() => ({}))) as Record<string, unknown> };
  };
  const page = async (query: string, token = VIEWER_TEST_TOKEN) => {
    const { status, body } = await call('GET', `/dead-letters${query}`, { token });
    expect(status).toBe(200);
    return body as unknown as Page;
  };
  const replayTopicRecords = async () => (await readTopic(`${deadLetterTopic}.replay`).catch(() => [])).length;
  const logLines = () =>
    readFileSync(app.logFile, 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    zendesk = await startZendeskSandbox({ port: 0 });
    hubDb = await createHubDatabase(`hub_${run.replace(/-/g, '_')}`);
    // The tokens in a secret file, one a line, as a mounted Kubernetes secret holds them.
    secrets = mkdtempSync(join(tmpdir(), 'hub-operator-tokens-'));
    const tokensFile = join(secrets, 'operator-tokens');
    writeFileSync(
      tokensFile,
      [
        '# who may call the operator API',
        `ops:operator=${OPERATOR_TEST_TOKEN}`,
        `auditor:viewer=${VIEWER_TEST_TOKEN}`,
        `console:console=${CONSOLE_TEST_TOKEN}`,
      ].join('\n'),
      { mode: 0o600 },
    );
    const { HUB_OPERATOR_TOKENS: _inline, ...env } = hubEnv(prefix, hubDb.url, {
      CONSUMER_GROUP: `${prefix}projector-support`,
      DEAD_LETTER_TOPIC: deadLetterTopic,
      SUPPORT_PLATFORM: 'zendesk',
      ZENDESK_URL: zendesk.url,
      ZENDESK_EMAIL: 'integration@hub.example',
      ZENDESK_API_TOKEN: 'hub-zendesk-token',
      HUB_OPERATOR_TOKENS_FILE: tokensFile,
    });
    app = await startApp('projector-support', env);
    // Records the projector cannot decode: each is dead-lettered (reason UNDECODABLE or the like), in order.
    await produceRaw(
      `${prefix}customer.v1`,
      Array.from({ length: POISON }, (_, i) => ({ key: `odoo-partner-poison-${run}-${i}`, value: `not avro ${i}` })),
    );
    await eventually(
      async () => ((await page('?limit=500')).held >= POISON ? true : undefined),
      60_000,
      'the undecodable records in the dead-letter topic',
    );
  });

  afterAll(async () => {
    await app?.kill();
    await hubDb?.drop();
    await zendesk?.close();
    if (secrets) rmSync(secrets, { recursive: true, force: true });
  });

  it('answers 401 without a token or with an unknown one, and keeps health and metrics open', async () => {
    expect((await call('GET', '/dead-letters')).status).toBe(401);
    expect((await call('POST', '/dead-letters/replay', { body: { all: true } })).status).toBe(401);
    const unknown = await call('GET', '/dead-letters', { token: 'not-a-token-of-this-installation-0' });
    expect(unknown).toEqual({ status: 401, body: expect.objectContaining({ message: 'unknown token' }) });
    for (const open of ['/health/live', '/health/ready', '/metrics', '/business-health']) {
      const response = await fetch(`${app.url}${open}`);
      expect([open, response.status]).toEqual([open, 200]);
    }
    expect(await replayTopicRecords()).toBe(0);
  });

  it('pages through the dead letters in order, each record once', async () => {
    const first = await page('?limit=5');
    expect(first.count).toBe(5);
    expect(first.entries.map((e) => `${e.partition}:${e.offset}`)).toEqual(['0:0', '0:1', '0:2', '0:3', '0:4']);
    expect(first.next).toBe('0:4');
    const seen = [...first.entries];
    let next = first.next;
    while (next) {
      const more = await page(`?limit=5&after=${next}`);
      expect(more.count).toBeLessThanOrEqual(5);
      seen.push(...more.entries);
      next = more.next;
    }
    expect(seen.map((e) => Number(e.offset))).toEqual(Array.from({ length: POISON }, (_, i) => i));
    expect(new Set(seen.map((e) => e.key)).size).toBe(POISON);
    // The default page and the largest one.
    expect((await page('')).count).toBe(POISON);
    expect((await call('GET', '/dead-letters?limit=501', { token: VIEWER_TEST_TOKEN })).status).toBe(400);
  });

  it("refuses a viewer's replay with 403, replaying nothing", async () => {
    const refused = await call('POST', '/dead-letters/replay', { token: VIEWER_TEST_TOKEN, body: { all: true } });
    expect(refused).toEqual({
      status: 403,
      body: expect.objectContaining({ message: 'this needs the operator role; auditor is a viewer' }),
    });
    // A person's token may not name someone else to act as.
    const forged = await call('POST', '/dead-letters/replay', {
      token: OPERATOR_TEST_TOKEN,
      body: { offsets: ['0:1'] },
      headers: { 'x-hub-actor': 'alice' },
    });
    expect(forged.status).toBe(403);
    expect(await replayTopicRecords()).toBe(0);
  });

  it('answers a bad body or query with a 400 naming the field, replaying nothing', async () => {
    const bad = async (body: unknown) => {
      const { status, body: answer } = await call('POST', '/dead-letters/replay', { token: OPERATOR_TEST_TOKEN, body });
      expect(status).toBe(400);
      return answer.message as string;
    };
    expect(await bad({ offsets: ['1'] })).toBe('bad body: offsets.0 expected partition:offset (e.g. 0:42)');
    expect(await bad({ offsets: '0:1' })).toMatch(/^bad body: offsets Expected array/);
    expect(await bad({ all: true, reason: 'UNDECODABLE' })).toMatch(/exactly one of offsets, reason or all/);
    expect(await bad({ all: true, why: 12 })).toMatch(/^bad body: why Expected string/);
    expect(await bad({ offsets: ['0:999'] })).toMatch(/^offsets: no dead letter at 0:999 \(.* holds 0:0-11\)/);
    const query = await call('GET', '/dead-letters?after=yesterday', { token: VIEWER_TEST_TOKEN });
    expect(query).toEqual({
      status: 400,
      body: expect.objectContaining({ message: 'bad query: after expected partition:offset (e.g. 0:42)' }),
    });
    expect(await replayTopicRecords()).toBe(0);
  });

  it("replays exactly the operator's selection, logged and recorded with the caller", async () => {
    const done = await call('POST', '/dead-letters/replay', {
      token: OPERATOR_TEST_TOKEN,
      body: { offsets: ['0:1'], why: 'checking the operator API' },
    });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ replayed: 1, entries: [expect.objectContaining({ partition: 0, offset: '1' })] });
    // One record on the replay topic, the one named: not 0:10 or 0:11, whose offsets contain "1".
    const replayed = await readTopic(`${deadLetterTopic}.replay`);
    expect(replayed.map((r) => r.message.headers?.['hub-replay-of']?.toString())).toEqual([`${deadLetterTopic}/0/1`]);

    // A console acting for its signed-in user: recorded as console:<user>.
    const asConsole = await call('POST', '/dead-letters/replay', {
      token: CONSOLE_TEST_TOKEN,
      body: { offsets: ['0:2'] },
      headers: { 'x-hub-actor': 'alice' },
    });
    expect(asConsole.status).toBe(201);

    const lines = await eventually(
      async () => {
        const found = logLines().filter((l) => l.msg === 'dead letters replayed');
        return found.length >= 2 ? logLines() : undefined;
      },
      10_000,
      'the replays in the app log',
    );
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          msg: 'operator action',
          caller: 'ops',
          method: 'POST',
          path: '/dead-letters/replay',
        }),
        expect.objectContaining({ msg: 'dead letters replayed', caller: 'ops', replayed: 1 }),
        expect.objectContaining({ msg: 'operator action', caller: 'console:alice' }),
        expect.objectContaining({ msg: 'operator API call refused', caller: 'auditor', needs: 'operator' }),
        expect.objectContaining({ msg: 'operator read', caller: 'auditor', path: '/dead-letters' }),
      ]),
    );
    expect(readFileSync(app.logFile, 'utf8')).not.toContain(OPERATOR_TEST_TOKEN);

    const hub = new Client({ connectionString: hubDb.url });
    await hub.connect();
    try {
      const { rows } = await hub.query<{ outcome: string; actor: string; reason: string | null; external_id: string }>(
        `SELECT outcome, actor, reason, external_id FROM audit_entry WHERE action = 'replay' ORDER BY id`,
      );
      expect(rows).toEqual([
        // The attempt on a record the topic does not hold (the 400 above) is in the trail too: asked, and failed.
        { outcome: 'requested', actor: 'ops', reason: null, external_id: deadLetterTopic },
        { outcome: 'failed', actor: 'ops', reason: null, external_id: deadLetterTopic },
        { outcome: 'requested', actor: 'ops', reason: 'checking the operator API', external_id: deadLetterTopic },
        { outcome: 'done', actor: 'ops', reason: 'checking the operator API', external_id: `${deadLetterTopic}/0/1` },
        { outcome: 'requested', actor: 'console:alice', reason: null, external_id: deadLetterTopic },
        { outcome: 'done', actor: 'console:alice', reason: null, external_id: `${deadLetterTopic}/0/2` },
      ]);
    } finally {
      await hub.end();
    }
  });

  it('fails the start naming the path of a missing token file, and a retired per-API variable', () => {
    const missing = join(secrets, 'no-such-file');
    const start = (env: Record<string, string>) =>
      spawnSync('node', [join(ROOT, 'dist/apps/projector-support/apps/projector-support/src/main.js')], {
        env: {
          PATH: process.env.PATH,
          KAFKA_BROKERS: stack().kafka.brokers,
          SCHEMA_REGISTRY_URL: stack().registry.url,
          HUB_DATABASE_URL: hubDb.url,
          AUDIT_HASH_KEY: 'integration-test-audit-hash-key-0123456789',
          SUPPORT_PLATFORM: 'freshdesk',
          FRESHDESK_URL: 'http://127.0.0.1:9',
          FRESHDESK_API_KEY: 'k',
          ...env,
        },
        encoding: 'utf8',
        timeout: 20_000,
      });
    const noFile = start({ HUB_OPERATOR_TOKENS_FILE: missing });
    expect(noFile.status).toBe(78);
    expect(noFile.stderr).toContain(`HUB_OPERATOR_TOKENS_FILE=${missing}: cannot read the file (ENOENT)`);
    const retired = start({
      HUB_OPERATOR_TOKENS: `ops:operator=${OPERATOR_TEST_TOKEN}`,
      REPAIR_TOKENS: `ops=${OPERATOR_TEST_TOKEN}`,
    });
    expect(retired.status).toBe(78);
    expect(retired.stderr).toContain(
      'REPAIR_TOKENS=<redacted>: no longer read: list its callers in HUB_OPERATOR_TOKENS',
    );
    expect(retired.stderr).not.toContain(OPERATOR_TEST_TOKEN);
  });
});
