import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../config';
import { operatorAuthConfigShape, parseOperatorTokens, withOperatorTokens } from './operator-tokens';

const desk = 'desk-token-0123456789abcdefghij';
const auditor = 'auditor-token-0123456789abcdefg';
const consoleToken = 'console-token-0123456789abcdefgh';

const dir = mkdtempSync(join(tmpdir(), 'operator-tokens-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Loads the config from `env`, after writing `files` (by name) into a directory of the test's own. */
const load = (env: NodeJS.ProcessEnv, files: Record<string, string> = {}) => {
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return withOperatorTokens(parseConfig(operatorAuthConfigShape, env));
};
const file = (name: string) => join(dir, name);

const problemsOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
};

describe('operator tokens', () => {
  it('reads name:role=token entries, by commas or lines, with comment lines, into token → who', () => {
    const parsed = parseOperatorTokens(
      `order-desk:operator=${desk}, auditor:viewer=${auditor}\n# the console\nconsole:console=${consoleToken}\n`,
    );
    expect(parsed).toEqual({
      tokens: new Map([
        [desk, { name: 'order-desk', role: 'operator' }],
        [auditor, { name: 'auditor', role: 'viewer' }],
        [consoleToken, { name: 'console', role: 'console' }],
      ]),
    });
  });

  it('names each bad entry by its place, and never quotes a token', () => {
    const parsed = parseOperatorTokens(
      `ops=${desk},ops:admin=${auditor},ops:viewer=short,a:viewer=${desk},b:viewer=${desk}`,
    );
    expect('problems' in parsed && parsed.problems).toEqual([
      expect.stringMatching(/^entry 1: expected name:role=token entries/),
      'entry 2 (ops): unknown role "admin" (expected viewer, operator, console)',
      'entry 3 (ops): the token must be at least 24 characters',
      'entry 5 (b): this token is already listed',
    ]);
    expect(JSON.stringify(parsed)).not.toContain(desk);
    expect(parseOperatorTokens(' , \n# nothing')).toEqual({ problems: [expect.stringMatching(/^no entries/)] });
  });

  it('takes the tokens inline, redacted when malformed', () => {
    expect([...load({ HUB_OPERATOR_TOKENS: `ops:operator=${desk}` }).HUB_OPERATOR_TOKENS]).toEqual([
      [desk, { name: 'ops', role: 'operator' }],
    ]);
    expect(problemsOf(() => load({ HUB_OPERATOR_TOKENS: `ops:operator=short-${desk.slice(0, 10)}` }))).toMatch(
      /HUB_OPERATOR_TOKENS=<redacted>: entry 1 \(ops\): the token must be at least 24 characters/,
    );
  });

  it('reads them from the secret file HUB_OPERATOR_TOKENS_FILE names', () => {
    const config = load(
      { HUB_OPERATOR_TOKENS_FILE: file('operators') },
      { operators: `ops:operator=${desk}\n# read-only\nauditor:viewer=${auditor}\n` },
    );
    expect(config.HUB_OPERATOR_TOKENS.get(auditor)).toEqual({ name: 'auditor', role: 'viewer' });
  });

  it('fails the start naming the path of a missing or malformed file, without quoting its content', () => {
    expect(problemsOf(() => load({ HUB_OPERATOR_TOKENS_FILE: file('missing') }))).toContain(
      `HUB_OPERATOR_TOKENS_FILE=${file('missing')}: cannot read the file`,
    );
    const malformed = problemsOf(() =>
      load({ HUB_OPERATOR_TOKENS_FILE: file('malformed') }, { malformed: `ops=${desk}` }),
    );
    expect(malformed).toContain(`HUB_OPERATOR_TOKENS_FILE=${file('malformed')}`);
    expect(malformed).toContain('entry 1: expected name:role=token');
    expect(malformed).not.toContain(desk);
  });

  it('hands back the parsed config itself: a rotating secret is found by that object', () => {
    const parsed = parseConfig(operatorAuthConfigShape, { HUB_OPERATOR_TOKENS: `ops:operator=${desk}` });
    expect(withOperatorTokens(parsed)).toBe(parsed);
  });

  it('needs exactly one of the variable and the file, and names a retired per-API variable', () => {
    expect(problemsOf(() => load({}))).toMatch(/HUB_OPERATOR_TOKENS is required/);
    expect(
      problemsOf(() =>
        load({ HUB_OPERATOR_TOKENS: `ops:operator=${desk}`, HUB_OPERATOR_TOKENS_FILE: file('operators') }),
      ),
    ).toMatch(/both set: set only one/);
    expect(
      problemsOf(() => load({ HUB_OPERATOR_TOKENS: `ops:operator=${desk}`, RECONCILE_TOKENS: `ops=${desk}` })),
    ).toMatch(/RECONCILE_TOKENS=<redacted>: no longer read: list its callers in HUB_OPERATOR_TOKENS/);
  });
});
