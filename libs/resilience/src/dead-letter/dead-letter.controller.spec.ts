import { BadRequestException } from '@nestjs/common';
import pino from 'pino';
import type { AppLogger } from '@hub/runtime';
import { DeadLetterController } from './dead-letter.controller';
import type { DeadLetterReplayRecord } from './dead-letter-replay.audit';
import type { DeadLetterStore, ReplaySelection } from './dead-letter.store';

const replays: ReplaySelection[] = [];
const pages: unknown[] = [];
const store = {
  topic: 'hub.dlq.test',
  list: async (q: unknown) => (pages.push(q), { held: 0, entries: [], next: null }),
  replay: async (s: ReplaySelection) => (replays.push(s), []),
} as unknown as DeadLetterStore;
const audited: DeadLetterReplayRecord[] = [];
const controller = new DeadLetterController(store, pino({ level: 'silent' }) as unknown as AppLogger, {
  replayed: async (r) => void audited.push(r),
});

const messageOf = async (promise: Promise<unknown>): Promise<string> => {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequestException);
    return (error as BadRequestException).message;
  }
  throw new Error('expected a 400');
};

describe('DeadLetterController', () => {
  beforeEach(() => {
    replays.splice(0);
    pages.splice(0);
    audited.splice(0);
  });

  it('replays one selection as the authenticated caller, with the why', async () => {
    await controller.replay({ offsets: ['0:4'], why: ' fixed the mapping ' }, { headers: {}, caller: 'console:alice' });
    await controller.replay({ reason: 'VALIDATION' }, { headers: {}, caller: 'ops' });
    await controller.replay({ all: true }, { headers: {}, caller: 'ops' });
    expect(replays).toEqual([{ offsets: ['0:4'] }, { reason: 'VALIDATION' }, { all: true }]);
    expect(audited[0]).toMatchObject({ actor: 'console:alice', why: 'fixed the mapping', outcome: 'requested' });
  });

  it('answers 400 naming the field of a bad body, replaying nothing', async () => {
    const caller = { headers: {}, caller: 'ops' };
    expect(await messageOf(controller.replay({ offsets: ['4'] }, caller))).toBe(
      'bad body: offsets.0 expected partition:offset (e.g. 0:42)',
    );
    expect(await messageOf(controller.replay({ offsets: '0:4' }, caller))).toMatch(/^bad body: offsets Expected array/);
    expect(await messageOf(controller.replay({ all: 'yes' }, caller))).toMatch(/^bad body: all expected true/);
    expect(await messageOf(controller.replay({ why: 7, all: true }, caller))).toMatch(/^bad body: why Expected string/);
    expect(await messageOf(controller.replay({ all: true, reason: 'X' }, caller))).toMatch(
      /exactly one of offsets, reason or all \(got reason, all\)/,
    );
    expect(await messageOf(controller.replay(undefined, caller))).toMatch(
      /exactly one of offsets, reason or all \(got none\)/,
    );
    expect(await messageOf(controller.replay({ all: true, actor: 'bob' }, caller))).toMatch(
      /Unrecognized key\(s\) in object: 'actor'/,
    );
    expect(replays).toEqual([]);
  });

  it('pages the listing with a default and a maximum size, and names a bad parameter', async () => {
    await controller.list({});
    await controller.list({ limit: '500', after: '0:41', reason: 'VALIDATION' });
    expect(pages).toEqual([{ limit: 100 }, { limit: 500, after: '0:41', reason: 'VALIDATION' }]);
    expect(await messageOf(controller.list({ limit: '501' }))).toMatch(
      /^bad query: limit Number must be less than or equal to 500/,
    );
    expect(await messageOf(controller.list({ after: 'x' }))).toBe(
      'bad query: after expected partition:offset (e.g. 0:42)',
    );
    expect(await messageOf(controller.list({ offset: '3' }))).toMatch(/Unrecognized key/);
  });
});
