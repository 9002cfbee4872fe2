import { z } from 'zod';
import { env, parseConfig, secret } from './config';
import { createRootLogger } from './logger';
import { clearSecretValues } from './secret-scrubber';

/** A root logger writing into an array, one parsed line per entry, and the raw text. */
function capture() {
  const lines: string[] = [];
  const log = createRootLogger('test-app', { write: (line: string) => lines.push(line) });
  return { log, lines, text: () => lines.join('') };
}

describe('createRootLogger keeps secrets out of log lines', () => {
  afterEach(() => clearSecretValues());

  it('redacts credential fields by name, one level down and in request headers', () => {
    const { log, text } = capture();
    log.info(
      {
        body: { client_secret: 'cs-field-value', access_token: 'at-field-value', password: 'pw-field-value' },
        oauth: { clientSecret: 'cs-camel-value', refresh_token: 'rt-field-value' },
        req: { headers: { authorization: 'Bearer header-token-value', cookie: 'sid=cookie-value' } },
        desk: { apiKey: 'api-key-value' },
      },
      'a call',
    );
    const line = JSON.parse(text()) as Record<string, Record<string, unknown>>;
    expect(line.body).toEqual({ client_secret: '<redacted>', access_token: '<redacted>', password: '<redacted>' });
    expect(line.oauth).toEqual({ clientSecret: '<redacted>', refresh_token: '<redacted>' });
    expect(line.req).toEqual({ headers: { authorization: '<redacted>', cookie: '<redacted>' } });
    expect(text()).not.toMatch(/-value/);
  });

  it("replaces every value of the app's secret configuration wherever it appears: messages, errors, any field", () => {
    parseConfig(
      {
        SF_CLIENT_SECRET: secret(z.string()),
        HUB_DATABASE_URL: env.postgresUrl(),
        RECONCILE_TOKENS: secret(z.string()),
        PLAIN: z.string(),
      },
      {
        SF_CLIENT_SECRET: 'sf-"quoted"\\secret',
        HUB_DATABASE_URL: 'postgres://hub:p%40ss-word-1@db:5432/hub',
        RECONCILE_TOKENS: 'ops=tok-aaaaaaaaaaaaaaaaaaaaaaaa,cron=tok-bbbbbbbbbbbbbbbbbbbbbbbb',
        PLAIN: 'not-a-secret-value',
      },
    );
    const { log, text } = capture();
    log.error({ err: new Error('connect to postgres://hub:p%40ss-word-1@db:5432/hub failed') }, 'database down');
    log.warn({ detail: { weird: 'secret is sf-"quoted"\\secret' } }, 'vendor said p@ss-word-1');
    log.info({ token: 'tok-bbbbbbbbbbbbbbbbbbbbbbbb' }, 'caller ops tok-aaaaaaaaaaaaaaaaaaaaaaaa');
    log.child({ component: 'x' }).info({ plain: 'not-a-secret-value' }, 'plain values stay');
    const out = text();
    expect(out).not.toContain('p%40ss-word-1');
    expect(out).not.toContain('p@ss-word-1');
    expect(out).not.toContain('quoted');
    expect(out).not.toContain('tok-aaaa');
    expect(out).not.toContain('tok-bbbb');
    expect(out).toContain('not-a-secret-value');
    // Every line is still JSON after the replacement.
    expect(
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string })
        .map((l) => l.msg),
    ).toEqual(['database down', 'vendor said <redacted>', 'caller ops <redacted>', 'plain values stay']);
  });

  it('leaves short values alone: they would censor ordinary words', () => {
    parseConfig({ PIN: secret(z.string()) }, { PIN: 'info' });
    const { log, text } = capture();
    log.info('info line');
    expect(JSON.parse(text())).toMatchObject({ msg: 'info line' });
  });
});
