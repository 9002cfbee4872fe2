import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Role } from './roles';

export interface Session {
  id: string;
  /** Unset before sign-in: a session then only carries the sign-in form's CSRF token. */
  user?: { name: string; role: Role };
  /** The synchronizer token every form of this session posts back. */
  csrf: string;
  createdAt: number;
  lastSeenAt: number;
  /** A message for the next page (the outcome of an action, after its redirect), shown once. */
  flash?: { kind: 'ok' | 'error'; text: string };
}

export interface SessionLimits {
  /** A session unused for this long ends. */
  idleMs: number;
  /** A session ends this long after it began, used or not. */
  maxMs: number;
}

/** A session that was never signed in (the sign-in form's) lives this long at most. */
const ANONYMOUS_MAX_MS = 15 * 60_000;
/** Beyond this many sessions the oldest ends first: a flood of sign-in forms cannot fill the memory. */
const MAX_SESSIONS = 10_000;

/**
 * The console's sessions, in memory: a cookie holds only the session's random id, signed (HMAC-SHA256) with the
 * console's secret, so a forged or altered cookie is refused before any lookup. Signing out ends the session here,
 * not just in the browser. One console instance holds its own sessions: a restart signs everyone out.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly secret: string,
    private readonly limits: SessionLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session (anonymous, or signed in as `user`), with a fresh id and CSRF token; answers its cookie value. */
  create(user?: Session['user']): { session: Session; cookie: string } {
    this.sweep();
    const at = this.now();
    const session: Session = { id: token(), user, csrf: token(), createdAt: at, lastSeenAt: at };
    this.sessions.set(session.id, session);
    return { session, cookie: `${session.id}.${this.sign(session.id)}` };
  }

  /** The live session a cookie value names, marked as used now; undefined when unsigned, unknown or expired. */
  resume(cookie: string | undefined): Session | undefined {
    if (!cookie) return undefined;
    const dot = cookie.lastIndexOf('.');
    if (dot < 1) return undefined;
    const id = cookie.slice(0, dot);
    const given = Buffer.from(cookie.slice(dot + 1));
    const expected = Buffer.from(this.sign(id));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (this.expired(session)) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenAt = this.now();
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  get size(): number {
    return this.sessions.size;
  }

  private expired(s: Session): boolean {
    const at = this.now();
    const maxMs = s.user ? this.limits.maxMs : Math.min(ANONYMOUS_MAX_MS, this.limits.maxMs);
    return at - s.lastSeenAt > this.limits.idleMs || at - s.createdAt > maxMs;
  }

  private sweep(): void {
    for (const [id, s] of this.sessions) if (this.expired(s)) this.sessions.delete(id);
    // Insertion order is creation order: the first are the oldest.
    for (const id of this.sessions.keys()) {
      if (this.sessions.size < MAX_SESSIONS) break;
      this.sessions.delete(id);
    }
  }

  private sign(id: string): string {
    return createHmac('sha256', this.secret).update(id).digest('base64url');
  }
}

const token = () => randomBytes(32).toString('base64url');

/** Whether a posted CSRF token is the session's, in constant time. */
export function csrfMatches(session: Session, posted: unknown): boolean {
  if (typeof posted !== 'string') return false;
  const a = Buffer.from(posted);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}
