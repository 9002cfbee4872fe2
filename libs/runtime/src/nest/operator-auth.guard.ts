import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  Provider,
  SetMetadata,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { AppLogger } from './tokens';
import type { OperatorRole, OperatorTokenTable } from './operator-tokens';

/**
 * Who may call an endpoint: `open` (health, metrics, business health: probes and scrapers), `viewer` (reads) or
 * `operator` (acts). An endpoint of an app with the operator guard that carries no {@link Access} needs `operator`:
 * the surface is closed unless an endpoint says otherwise.
 */
export type AccessLevel = 'open' | 'viewer' | 'operator';

const ACCESS = 'hub:access';

/** Marks a controller or handler with who may call it (see {@link AccessLevel}); a handler's mark wins. */
export const Access = (level: AccessLevel) => SetMetadata(ACCESS, level);

/** DI token: the tokens an app's operator API accepts (HUB_OPERATOR_TOKENS). */
export abstract class OperatorTokens {
  abstract readonly tokens: OperatorTokenTable;
}

/** The header in which a console token names the signed-in person it acts for; refused from any other token. */
export const ACTOR_HEADER = 'x-hub-actor';

/** A person's name as a console gives it: a short plain token, so the recorded caller cannot be forged into another. */
const SANE_ACTOR = /^[\w.@-]{1,64}$/;

/** A request past the guard: `caller` is who made it (`<name>` or `<console>:<user>`), logged and recorded. */
export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  method?: string;
  originalUrl?: string;
  caller?: string;
  callerRole?: OperatorRole;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

const mayAct = (role: OperatorRole) => role === 'operator' || role === 'console';

/**
 * The one authentication of the hub's operator APIs (dead letters, replay, reconcile, repair, the work queue, the
 * audit trail), installed app-wide by {@link operatorAuthProviders}. `Authorization: Bearer <token>` is compared in
 * constant time over sha256 digests (every token is compared, found or not, so neither a token's content, its length
 * nor which one matched leaks through timing): none or an unknown one is 401; a viewer on an operator endpoint is
 * 403. Every call let through is logged with its caller (an action at info as `operator action`, a read as
 * `operator read`), every refusal at warn without the token.
 */
@Injectable()
export class OperatorAuthGuard implements CanActivate {
  private readonly digests: { digest: Buffer; name: string; role: OperatorRole }[];
  private readonly log: Logger;

  constructor(
    tokens: OperatorTokens,
    private readonly reflector: Reflector,
    log: AppLogger,
  ) {
    this.digests = [...tokens.tokens].map(([token, who]) => ({ digest: digest(token), ...who }));
    this.log = log.child({ component: 'operator-auth' });
  }

  canActivate(context: ExecutionContext): boolean {
    const level =
      this.reflector.getAllAndOverride<AccessLevel | undefined>(ACCESS, [context.getHandler(), context.getClass()]) ??
      'operator';
    if (level === 'open') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const where = { method: request.method, path: request.originalUrl?.split('?')[0] };
    const refuse = (error: Error, caller?: string) => {
      this.log.warn({ ...where, caller, needs: level, refused: error.message }, 'operator API call refused');
      return error;
    };
    const header = request.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw refuse(new UnauthorizedException('a token is required: Authorization: Bearer <token>'));
    const given = digest(m[1]);
    let found: (typeof this.digests)[number] | undefined;
    for (const d of this.digests) if (timingSafeEqual(d.digest, given)) found ??= d;
    if (!found) throw refuse(new UnauthorizedException('unknown token'));

    const actor = request.headers[ACTOR_HEADER];
    let caller = found.name;
    if (actor !== undefined) {
      // A person's token speaks for that person only: naming someone else would record the action under them.
      if (found.role !== 'console') {
        throw refuse(new ForbiddenException(`only a console token may name an actor (${ACTOR_HEADER})`), caller);
      }
      if (typeof actor !== 'string' || !SANE_ACTOR.test(actor)) {
        throw refuse(
          new BadRequestException(`${ACTOR_HEADER} must be a user name of letters, digits, . _ @ or -`),
          caller,
        );
      }
      caller = `${found.name}:${actor}`;
    }
    if (level === 'operator' && !mayAct(found.role)) {
      throw refuse(new ForbiddenException(`this needs the operator role; ${found.name} is a ${found.role}`), caller);
    }
    request.caller = caller;
    request.callerRole = found.role;
    this.log.info({ ...where, caller, role: found.role }, level === 'operator' ? 'operator action' : 'operator read');
    return true;
  }
}

/**
 * The operator guard for every route of the app (APP_GUARD), with its tokens. Needs AppLogger among the app's
 * providers. Routes that must stay open (health, metrics, business health) carry `@Access('open')`.
 */
export function operatorAuthProviders(tokens: OperatorTokenTable): Provider[] {
  return [
    { provide: OperatorTokens, useValue: { tokens } },
    { provide: APP_GUARD, useClass: OperatorAuthGuard },
  ];
}
