import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { mayAct } from './roles';
import { csrfMatches, Session, SessionStore } from './session.store';

export const SESSION_COOKIE = 'hub_console';
const PUBLIC = 'console:public';
const ACTION = 'console:action';

/** A route anyone may reach (the sign-in form, assets, health). */
export const Public = () => SetMetadata(PUBLIC, true);
/** A route that changes something (retry, discard, replay): operators only; a viewer gets 403. */
export const OperatorAction = () => SetMetadata(ACTION, true);

/** Not signed in: a page asked for is answered by the sign-in form (see ConsoleErrorsFilter). */
export class SignInRequired extends HttpException {
  constructor() {
    super('sign in first', HttpStatus.UNAUTHORIZED);
  }
}

export interface ConsoleRequest extends Request {
  session?: Session & { user: NonNullable<Session['user']> };
}

/** The session cookie's value in a request, or undefined. */
export function sessionCookieOf(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === SESSION_COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

/** Sets the session cookie: HttpOnly, SameSite=Strict, Secure unless told otherwise, gone at the absolute expiry. */
export function setSessionCookie(res: Response, value: string, options: { secure: boolean; maxMs: number }): void {
  res.cookie(SESSION_COOKIE, value, {
    httpOnly: true,
    sameSite: 'strict',
    secure: options.secure,
    path: '/',
    maxAge: options.maxMs,
  });
}

/**
 * Every route but the public ones needs a signed-in session; every POST needs the session's CSRF token in `_csrf`
 * (a synchronizer token, compared in constant time); an action needs the operator role. Global (APP_GUARD).
 */
@Injectable()
export class ConsoleAuthGuard implements CanActivate {
  constructor(
    private readonly sessions: SessionStore,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const req = context.switchToHttp().getRequest<ConsoleRequest>();
    const session = this.sessions.resume(sessionCookieOf(req));
    if (!session?.user) throw new SignInRequired();
    req.session = session as ConsoleRequest['session'];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const posted = (req.body as Record<string, unknown> | undefined)?._csrf;
      if (!csrfMatches(session, posted))
        throw new ForbiddenException('the form has expired: reload the page and try again');
    }
    if (this.reflector.getAllAndOverride<boolean>(ACTION, targets) && !mayAct(session.user.role)) {
      throw new ForbiddenException(
        `${session.user.name} may look but not act: only an operator retries, discards or replays`,
      );
    }
    return true;
  }
}

/** The session cookie's settings (DI token), from the config. */
export abstract class CookieSettings {
  abstract readonly secure: boolean;
  abstract readonly maxMs: number;
}
