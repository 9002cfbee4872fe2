import { createRootLogger } from './logger';
import { lazyChild } from './lazy-logger';

function capture(level: string) {
  const lines: string[] = [];
  const log = createRootLogger('test-app', { write: (line: string) => lines.push(line) });
  log.level = level;
  const child = jest.spyOn(log, 'child');
  const parsed = () => lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  return { log, child, parsed };
}

describe('lazyChild', () => {
  it('makes no pino child for lines below the level, nor for a child of it', () => {
    const { log, child, parsed } = capture('info');
    const lazy = lazyChild(log, { topic: 't', offset: '7' });
    lazy.debug({ n: 1 }, 'not written');
    lazy.trace('not written either');
    const nested = lazy.child({ eventId: 'e-1' });
    nested.debug('nor this');
    expect(lazy.isLevelEnabled('debug')).toBe(false);
    expect(lazy.level).toBe('info');
    expect(child).not.toHaveBeenCalled();
    expect(parsed()).toEqual([]);
  });

  it('writes a line at an enabled level with its bindings, and a child of it with both sets', () => {
    const { log, child, parsed } = capture('debug');
    const lazy = lazyChild(log, { topic: 't', offset: '7' });
    lazy.debug({ n: 1 }, 'first');
    lazy.warn('second');
    lazy.child({ eventId: 'e-1' }).info({ body: { password: 'p' } }, 'third');
    expect(child).toHaveBeenCalledTimes(2);
    expect(parsed()).toEqual([
      expect.objectContaining({ level: 20, topic: 't', offset: '7', n: 1, msg: 'first' }),
      expect.objectContaining({ level: 40, topic: 't', offset: '7', msg: 'second' }),
      // The root's redaction still applies to a lazy child's lines.
      expect.objectContaining({
        level: 30,
        topic: 't',
        eventId: 'e-1',
        body: { password: '<redacted>' },
        msg: 'third',
      }),
    ]);
    // The same bindings a pino child would answer (the root's base fields with them).
    expect(lazy.child({ eventId: 'e-2' }).bindings()).toEqual(
      log.child({ topic: 't', offset: '7', eventId: 'e-2' }).bindings(),
    );
  });

  it('follows a level set on it, as a pino child does', () => {
    const { log, parsed } = capture('info');
    const lazy = lazyChild(log, { topic: 't' });
    lazy.level = 'debug';
    lazy.debug('now written');
    expect(log.level).toBe('info');
    expect(parsed()).toEqual([expect.objectContaining({ topic: 't', msg: 'now written' })]);
  });
});
