import { z } from 'zod';
import { ConfigError, describeConfig, env, parseConfig, secret } from './config';

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
