import { Body, Controller, Get, Post, Query, Req, Res } from '@nestjs/common';
import { AppLogger } from '@hub/runtime';
import type { Request, Response } from 'express';
import { html } from '../pages/html';
import { layout } from '../pages/layout';
import { ConsoleUsers } from './console-users';
import {
  ConsoleRequest,
  CookieSettings,
  Public,
  SESSION_COOKIE,
  sessionCookieOf,
  setSessionCookie,
} from './console-auth.guard';
import { UNKNOWN_USER_HASH, verifyPassword } from './password';
import { csrfMatches, Session, SessionStore } from './session.store';
import { SignInThrottle } from './sign-in-throttle';

/** Where to go after sign-in: a path of this console only, never another site. */
const safeNext = (next: unknown): string =>
  typeof next === 'string' && /^\/(?![/\\])[\w\-./?=&%]*$/.test(next) ? next : '/exceptions';

/**
 * Sign-in and sign-out. The form has its own (anonymous) session for its CSRF token; a successful sign-in ends it
 * and starts a new session (a new id, so a session id planted before sign-in is worth nothing after it).
 */
@Controller()
export class SignInController {
  constructor(
    private readonly sessions: SessionStore,
    private readonly users: ConsoleUsers,
    private readonly throttle: SignInThrottle,
    private readonly cookie: CookieSettings,
    private readonly log: AppLogger,
  ) {}

  @Get('sign-in')
  @Public()
  form(@Req() req: Request, @Res() res: Response, @Query('next') next?: string) {
    const current = this.sessions.resume(sessionCookieOf(req));
    if (current?.user) return res.redirect(303, safeNext(next));
    this.renderForm(res, this.anonymous(req, res), safeNext(next));
  }

  @Post('sign-in')
  @Public()
  async signIn(@Req() req: Request, @Res() res: Response, @Body() body: Record<string, unknown>) {
    const form = this.sessions.resume(sessionCookieOf(req));
    const next = safeNext(body?.next);
    if (!form || !csrfMatches(form, body?._csrf)) {
      return this.renderForm(res.status(403), this.anonymous(req, res), next, 'The form has expired: sign in again.');
    }
    const name = typeof body.name === 'string' ? body.name.trim() : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const address = req.ip ?? 'unknown';
    // Locked before the password is even checked: a right guess during a lockout must not tell the guesser so.
    const lockedMs = await this.throttle.lockedFor(name, address);
    if (lockedMs > 0) return this.refuseLocked(res, form, next, name, lockedMs);
    const user = this.users.users.get(name);
    // An unknown name costs the same scrypt as a wrong password.
    const ok = await verifyPassword(password, user?.passwordHash ?? UNKNOWN_USER_HASH);
    if (!user || !ok) {
      this.log.warn({ audit: { action: 'sign-in.refused', user: name.slice(0, 64) } }, 'console sign-in refused');
      const nowLockedMs = await this.throttle.failed(name, address);
      if (nowLockedMs > 0) return this.refuseLocked(res, form, next, name, nowLockedMs);
      return this.renderForm(res.status(401), form, next, 'Unknown user or wrong password.');
    }
    await this.throttle.succeeded(name, address);
    this.sessions.end(form.id);
    const { cookie } = this.sessions.create({ name: user.name, role: user.role });
    setSessionCookie(res, cookie, this.cookie);
    this.log.info({ audit: { action: 'sign-in', actor: user.name, role: user.role } }, 'console sign-in');
    res.redirect(303, next);
  }

  @Post('sign-out')
  signOut(@Req() req: ConsoleRequest, @Res() res: Response) {
    this.sessions.end(req.session!.id);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    this.log.info({ audit: { action: 'sign-out', actor: req.session!.user.name } }, 'console sign-out');
    res.redirect(303, '/sign-in');
  }

  /** 429 with Retry-After: too many failed sign-ins of this name from this address (or from this address). */
  private refuseLocked(res: Response, form: Session, next: string, name: string, lockedMs: number): void {
    const minutes = Math.ceil(lockedMs / 60_000);
    this.log.warn({ audit: { action: 'sign-in.locked', user: name.slice(0, 64), lockedMs } }, 'console sign-in locked');
    res.setHeader('Retry-After', String(Math.ceil(lockedMs / 1_000)));
    this.renderForm(
      res.status(429),
      form,
      next,
      `Too many failed sign-ins: try again in ${minutes} minute${minutes === 1 ? '' : 's'}.`,
    );
  }

  /** The request's anonymous session, or a new one with its cookie. */
  private anonymous(req: Request, res: Response): Session {
    const current = this.sessions.resume(sessionCookieOf(req));
    if (current && !current.user) return current;
    const { session, cookie } = this.sessions.create();
    setSessionCookie(res, cookie, this.cookie);
    return session;
  }

  private renderForm(res: Response, session: Session, next: string, problem?: string): void {
    res.type('html').send(
      layout(
        { title: 'Sign in', flash: problem ? { kind: 'error', text: problem } : undefined },
        html`<form method="post" action="/sign-in">
          <input type="hidden" name="_csrf" value="${session.csrf}" />
          <input type="hidden" name="next" value="${next}" />
          <label>User <input name="name" autocomplete="username" required autofocus /></label>
          <label>Password <input name="password" type="password" autocomplete="current-password" required /></label>
          <button type="submit">Sign in</button>
        </form>`,
      ).value,
    );
  }
}
