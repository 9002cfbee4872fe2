import { BadRequestException, ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import pino from 'pino';
import { Writable } from 'node:stream';
import { Access, AuthenticatedRequest, OperatorAuthGuard } from './operator-auth.guard';
import type { AppLogger } from './tokens';

const operator = 'operator-token-0123456789abcdef';
const viewer = 'viewer-token-0123456789abcdefgh';
const consoleToken = 'console-token-0123456789abcdefgh';

class Endpoints {
  @Access('open') health() {}
  @Access('viewer') list() {}
  @Access('operator') replay() {}
  unmarked() {}
}

const lines: Record<string, unknown>[] = [];
const log = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);
const guard = new OperatorAuthGuard(
  {
    tokens: new Map([
      [operator, { name: 'ops', role: 'operator' }],
      [viewer, { name: 'auditor', role: 'viewer' }],
      [consoleToken, { name: 'console', role: 'console' }],
    ]),
  },
  new Reflector(),
  log as unknown as AppLogger,
);

/** Runs the guard for an endpoint of {@link Endpoints}; answers the request as the guard left it. */
const call = (endpoint: keyof Endpoints, headers: AuthenticatedRequest['headers']) => {
  const request: AuthenticatedRequest = { headers, method: 'POST', originalUrl: `/${endpoint}?x=1` };
  const context = {
    getHandler: () => Endpoints.prototype[endpoint],
    getClass: () => Endpoints,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  expect(guard.canActivate(context)).toBe(true);
  return request;
};
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('OperatorAuthGuard', () => {
  beforeEach(() => lines.splice(0));

  it('lets anyone reach an open endpoint (probes, scrapers)', () => {
    expect(call('health', {}).caller).toBeUndefined();
  });

  it('answers 401 without a token, with another scheme or an unknown token, and logs the refusal', () => {
    expect(() => call('list', {})).toThrow(UnauthorizedException);
    expect(() => call('list', { authorization: `Basic ${operator}` })).toThrow(UnauthorizedException);
    expect(() => call('list', bearer('not-the-token-0123456789abcdef'))).toThrow(UnauthorizedException);
    expect(lines.map((l) => [l.msg, l.path, l.refused])).toEqual([
      ['operator API call refused', '/list', 'a token is required: Authorization: Bearer <token>'],
      ['operator API call refused', '/list', 'a token is required: Authorization: Bearer <token>'],
      ['operator API call refused', '/list', 'unknown token'],
    ]);
    expect(JSON.stringify(lines)).not.toContain(operator);
  });

  it("lets a viewer read, and answers a viewer's action 403", () => {
    expect(call('list', bearer(viewer))).toMatchObject({ caller: 'auditor', callerRole: 'viewer' });
    expect(() => call('replay', bearer(viewer))).toThrow(
      new ForbiddenException('this needs the operator role; auditor is a viewer'),
    );
  });

  it('lets an operator act, and logs the action with its caller', () => {
    expect(call('replay', bearer(operator)).caller).toBe('ops');
    expect(call('list', bearer(operator)).caller).toBe('ops');
    expect(lines).toEqual([
      expect.objectContaining({
        msg: 'operator action',
        caller: 'ops',
        role: 'operator',
        method: 'POST',
        path: '/replay',
      }),
      expect.objectContaining({ msg: 'operator read', caller: 'ops', path: '/list' }),
    ]);
  });

  it('keeps an endpoint without a mark closed to all but operators', () => {
    expect(() => call('unmarked', {})).toThrow(UnauthorizedException);
    expect(() => call('unmarked', bearer(viewer))).toThrow(ForbiddenException);
    expect(call('unmarked', bearer(operator)).caller).toBe('ops');
  });

  it('records a console acting for a signed-in user as console:<user>, and its own calls under its name', () => {
    expect(call('replay', { ...bearer(consoleToken), 'x-hub-actor': 'alice' }).caller).toBe('console:alice');
    expect(call('list', bearer(consoleToken)).caller).toBe('console');
  });

  it("refuses an actor named by a person's token, and an actor that is not a plain user name", () => {
    expect(() => call('list', { ...bearer(operator), 'x-hub-actor': 'alice' })).toThrow(ForbiddenException);
    for (const actor of ['', 'alice:operator', 'a b', 'x'.repeat(65), ['alice', 'bob']]) {
      expect(() => call('list', { ...bearer(consoleToken), 'x-hub-actor': actor })).toThrow(BadRequestException);
    }
  });
});
