import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, describeConfig, env, parseConfig, rotatingSecret, secret } from './config';

const shape = {
  KAFKA_BROKERS: env.brokers(),
  HTTP_PORT: env.port(3000),
  SF_CLIENT_SECRET: secret(z.string().min(8)),
};

describe('parseConfig', () => {
  it('parses and applies defaults', () => {
    const c = parseConfig(shape, { KAFKA_BROKERS: 'a:1, b:2', SF_CLIENT_SECRET: 'abcdefgh' });
    expect(c.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(c.HTTP_PORT).toBe(3000);
  });

  it('names every bad variable at once and redacts secrets', () => {
    let error: unknown;
    try {
      parseConfig(shape, { KAFKA_BROKERS: 'nohost', HTTP_PORT: '99999', SF_CLIENT_SECRET: 'short' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const msg = (error as Error).message;
    expect(msg).toContain('KAFKA_BROKERS="nohost"');
    expect(msg).toContain('HTTP_PORT="99999"');
    expect(msg).toContain('SF_CLIENT_SECRET=<redacted>');
    expect(msg).not.toContain('short');
  });

  it('says a missing variable is required', () => {
    expect(() => parseConfig(shape, { SF_CLIENT_SECRET: 'abcdefgh' })).toThrow(/KAFKA_BROKERS is required/);
  });

  it('redacts secrets when describing a config', () => {
    const c = parseConfig(shape, { KAFKA_BROKERS: 'a:1', SF_CLIENT_SECRET: 'abcdefgh' });
    expect(describeConfig(shape, c).SF_CLIENT_SECRET).toBe('<redacted>');
  });
});

describe('secrets read from files (<NAME>_FILE)', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hub-secrets-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  const fileShape = {
    SF_CLIENT_SECRET: secret(z.string().min(8)),
    HUB_DATABASE_URL: env.postgresUrl(),
    ODOO_MONITOR_DATABASE_URL: env.postgresUrl().optional(),
    PLAIN: z.string().optional(),
  };

  it('reads a secret from its file, dropping the one trailing line break', () => {
    const c = parseConfig(fileShape, {
      SF_CLIENT_SECRET_FILE: file('sf', 'from-the-file  \n'),
      HUB_DATABASE_URL_FILE: file('db', 'postgres://hub:pw-in-file@db:5432/hub\r\n'),
    });
    expect(c.SF_CLIENT_SECRET).toBe('from-the-file  ');
    expect(c.HUB_DATABASE_URL).toBe('postgres://hub:pw-in-file@db:5432/hub');
  });

  it('refuses a variable set both ways, naming both', () => {
    expect(() =>
      parseConfig(fileShape, {
        SF_CLIENT_SECRET: 'abcdefgh',
        SF_CLIENT_SECRET_FILE: file('sf', 'abcdefgh'),
        HUB_DATABASE_URL: 'postgres://h/db',
      }),
    ).toThrow('SF_CLIENT_SECRET and SF_CLIENT_SECRET_FILE are both set: set only one');
  });

  it('names the variable and the path of a missing, unreadable or empty file, and every other problem too', () => {
    const missing = join(dir, 'nope');
    let error: unknown;
    try {
      parseConfig(fileShape, {
        SF_CLIENT_SECRET_FILE: missing,
        HUB_DATABASE_URL_FILE: dir, // a directory: EISDIR
        ODOO_MONITOR_DATABASE_URL_FILE: file('empty', '\n'),
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      `SF_CLIENT_SECRET_FILE=${missing}: cannot read the file (ENOENT)`,
      `HUB_DATABASE_URL_FILE=${dir}: cannot read the file (EISDIR)`,
      `ODOO_MONITOR_DATABASE_URL_FILE=${join(dir, 'empty')}: the file is empty`,
    ]);
  });

  it('only reads files for secrets', () => {
    const c = parseConfig(fileShape, {
      SF_CLIENT_SECRET: 'abcdefgh',
      HUB_DATABASE_URL: 'postgres://h/db',
      PLAIN_FILE: file('plain', 'x'),
    });
    expect(c.PLAIN).toBeUndefined();
  });

  it('never prints a malformed database URL, from the variable or a file: it carries the password', () => {
    let error: unknown;
    try {
      parseConfig(fileShape, {
        SF_CLIENT_SECRET: 'abcdefgh',
        HUB_DATABASE_URL: 'postgress://hub:Sup3rS3cret@db/hub',
        ODOO_MONITOR_DATABASE_URL_FILE: file('odoo', 'http://odoo:An0therS3cret@db/odoo'),
      });
    } catch (e) {
      error = e;
    }
    const msg = (error as Error).message;
    expect(msg).toContain('HUB_DATABASE_URL=<redacted>: expected a postgres:// connection string');
    expect(msg).toContain(
      `ODOO_MONITOR_DATABASE_URL (from ODOO_MONITOR_DATABASE_URL_FILE=${join(dir, 'odoo')})=<redacted>: expected a postgres:// connection string`,
    );
    expect(msg).not.toMatch(/S3cret/);
  });

  it('redacts a wrapped secret (optional, default) when describing a config', () => {
    const c = parseConfig(fileShape, {
      SF_CLIENT_SECRET: 'abcdefgh',
      HUB_DATABASE_URL: 'postgres://h/db',
      ODOO_MONITOR_DATABASE_URL: 'postgres://o/db',
    });
    expect(describeConfig(fileShape, c)).toMatchObject({
      HUB_DATABASE_URL: '<redacted>',
      ODOO_MONITOR_DATABASE_URL: '<redacted>',
    });
  });

  describe('rotatingSecret', () => {
    let clock = 0;
    const now = () => clock;

    it('reads the file again once the value is pollMs old, and uses a new content', () => {
      const path = file('sf', 'first-secret\n');
      const c = parseConfig(fileShape, { SF_CLIENT_SECRET_FILE: path, HUB_DATABASE_URL: 'postgres://h/db' });
      const rotated: string[] = [];
      const s = rotatingSecret(c, 'SF_CLIENT_SECRET', { pollMs: 1000, now, onRotate: (k) => rotated.push(k) });
      expect(s.file).toBe(path);
      expect(s.current()).toBe('first-secret');
      writeFileSync(path, 'second-secret\n');
      clock += 999;
      expect(s.current()).toBe('first-secret');
      clock += 1;
      expect(s.current()).toBe('second-secret');
      expect(rotated).toEqual(['SF_CLIENT_SECRET']);
      clock += 1000;
      expect(s.current()).toBe('second-secret');
      expect(rotated).toHaveLength(1);
    });

    it('follows a Kubernetes-style swap of the ..data symlink', () => {
      mkdirSync(join(dir, '..v1'));
      writeFileSync(join(dir, '..v1', 'secret'), 'version-one');
      symlinkSync('..v1', join(dir, '..data'));
      symlinkSync(join('..data', 'secret'), join(dir, 'secret'));
      const c = parseConfig(fileShape, {
        SF_CLIENT_SECRET_FILE: join(dir, 'secret'),
        HUB_DATABASE_URL: 'postgres://h/db',
      });
      const s = rotatingSecret(c, 'SF_CLIENT_SECRET', { pollMs: 10, now });
      expect(s.current()).toBe('version-one');
      mkdirSync(join(dir, '..v2'));
      writeFileSync(join(dir, '..v2', 'secret'), 'version-two');
      symlinkSync('..v2', join(dir, '..data_tmp'));
      renameSync(join(dir, '..data_tmp'), join(dir, '..data'));
      rmSync(join(dir, '..v1'), { recursive: true });
      clock += 10;
      expect(s.current()).toBe('version-two');
    });

    it('keeps the previous value while the file is gone or invalid, saying so once, without the content', () => {
      const path = file('sf', 'first-secret');
      const c = parseConfig(fileShape, { SF_CLIENT_SECRET_FILE: path, HUB_DATABASE_URL: 'postgres://h/db' });
      const errors: string[] = [];
      const s = rotatingSecret(c, 'SF_CLIENT_SECRET', { pollMs: 1, now, onError: (p) => errors.push(p) });
      rmSync(path);
      clock += 1;
      expect(s.current()).toBe('first-secret');
      clock += 1;
      expect(s.current()).toBe('first-secret');
      writeFileSync(path, 'short');
      clock += 1;
      expect(s.current()).toBe('first-secret');
      expect(errors).toEqual([
        `SF_CLIENT_SECRET_FILE=${path}: cannot read the file (ENOENT); keeping the previous value`,
        `SF_CLIENT_SECRET_FILE=${path}: String must contain at least 8 character(s); keeping the previous value`,
      ]);
    });

    it('is the constant start value for a secret set in the variable', () => {
      const c = parseConfig(fileShape, { SF_CLIENT_SECRET: 'abcdefgh', HUB_DATABASE_URL: 'postgres://h/db' });
      const s = rotatingSecret(c, 'SF_CLIENT_SECRET');
      expect(s.file).toBeUndefined();
      expect(s.current()).toBe('abcdefgh');
    });
  });
});
