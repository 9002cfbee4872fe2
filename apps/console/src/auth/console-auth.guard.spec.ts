import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  ConsoleAuthGuard,
  ConsoleRequest,
  OperatorAction,
  Public,
  SESSION_COOKIE,
  SignInRequired,
} from './console-auth.guard';
import { SessionStore } from './session.store';

class Routes {
  @Public()
  signIn() {}
  page() {}
  @OperatorAction()
  retry() {}
}

describe('ConsoleAuthGuard', () => {
  const sessions = new SessionStore('s'.repeat(32), { idleMs: 60_000, maxMs: 600_000 });
  const guard = new ConsoleAuthGuard(sessions, new Reflector());
  const operator = sessions.create({ name: 'alice', role: 'operator' });
  const viewer = sessions.create({ name: 'vic', role: 'viewer' });
  const anonymous = sessions.create();

  const check = (handler: keyof Routes, method: string, cookie?: string, body?: Record<string, unknown>) => {
    const req = { method, headers: cookie ? { cookie: `${SESSION_COOKIE}=${cookie}` } : {}, body } as ConsoleRequest;
    const context = {
      getHandler: () => Routes.prototype[handler],
      getClass: () => Routes,
      switchToHttp: () => ({ getRequest: () => req }),
    } as unknown as ExecutionContext;
    return { allowed: () => guard.canActivate(context), req };
  };

  it('lets anyone reach a public route', () => {
    expect(check('signIn', 'GET').allowed()).toBe(true);
  });

  it('asks for a signed-in session everywhere else; a sign-in form’s session is not one', () => {
    expect(() => check('page', 'GET').allowed()).toThrow(SignInRequired);
    expect(() => check('page', 'GET', anonymous.cookie).allowed()).toThrow(SignInRequired);
    const { allowed, req } = check('page', 'GET', viewer.cookie);
    expect(allowed()).toBe(true);
    expect(req.session?.user.name).toBe('vic');
  });

  it('lets an operator act with the session’s CSRF token, and refuses it without', () => {
    expect(check('retry', 'POST', operator.cookie, { _csrf: operator.session.csrf }).allowed()).toBe(true);
    expect(() => check('retry', 'POST', operator.cookie, {}).allowed()).toThrow(ForbiddenException);
    expect(() => check('retry', 'POST', operator.cookie, { _csrf: viewer.session.csrf }).allowed()).toThrow(
      ForbiddenException,
    );
  });

  it('refuses a viewer’s action, with its own valid CSRF token', () => {
    expect(() => check('retry', 'POST', viewer.cookie, { _csrf: viewer.session.csrf }).allowed()).toThrow(
      /may look but not act/,
    );
  });
});
