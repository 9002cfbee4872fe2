import {
  BadRequestException,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The operators of the work queue: token → name. `consoleTokens` are the tokens of a console that acts for its
 * signed-in users: it names the user in {@link ACTOR_HEADER}, and the action is recorded as `<console>:<user>`.
 */
export abstract class OperatorTokens {
  abstract readonly tokens: ReadonlyMap<string, string>;
  abstract readonly consoleTokens?: ReadonlyMap<string, string>;
}

/** The header in which a console token names the person it acts for; refused from any other token. */
export const ACTOR_HEADER = 'x-hub-actor';

/** A person's name as a console gives it: a short plain token, so the recorded actor cannot be forged into another. */
const SANE_ACTOR = /^[\w.@-]{1,64}$/;

export interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  operator?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer tokens for people acting on the work queue: every action is recorded under the token's name, so a token
 * is a person (or a team's tool), never shared anonymously. A console's token (WORK_QUEUE_CONSOLE_TOKENS) may name
 * the signed-in user it acts for in `X-Hub-Actor`; the action is then recorded as `<console name>:<user>`, and
 * without the header under the console's name. Compared in constant time over digests, so neither the
 * token's content nor its length leaks through timing.
 */
@Injectable()
export class OperatorTokenGuard implements CanActivate {
  private readonly digests: { digest: Buffer; name: string; console: boolean }[];

  constructor(operators: OperatorTokens) {
    this.digests = [
      ...[...operators.tokens].map(([token, name]) => ({ digest: digest(token), name, console: false })),
      ...[...(operators.consoleTokens ?? [])].map(([token, name]) => ({ digest: digest(token), name, console: true })),
    ];
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    const header = request.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('an operator token is required: Authorization: Bearer <token>');
    const given = digest(m[1]);
    const operator = this.digests.find((d) => timingSafeEqual(d.digest, given));
    if (!operator) throw new UnauthorizedException('unknown operator token');
    const actor = request.headers[ACTOR_HEADER];
    if (actor === undefined) {
      request.operator = operator.name;
      return true;
    }
    // A person's token speaks for that person only: naming someone else would record the action under them.
    if (!operator.console) throw new ForbiddenException(`only a console token may name an actor (${ACTOR_HEADER})`);
    if (typeof actor !== 'string' || !SANE_ACTOR.test(actor)) {
      throw new BadRequestException(`${ACTOR_HEADER} must be a user name of letters, digits, . _ @ or -`);
    }
    request.operator = `${operator.name}:${actor}`;
    return true;
  }
}
