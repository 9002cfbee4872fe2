import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The operators of the work queue: token → name. */
export abstract class OperatorTokens {
  abstract readonly tokens: ReadonlyMap<string, string>;
}

export interface OperatorRequest {
  headers: Record<string, string | string[] | undefined>;
  operator?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer tokens for people acting on the work queue: every action is recorded under the token's name, so a token
 * is a person (or a team's tool), never shared anonymously. Compared in constant time over digests, so neither the
 * token's content nor its length leaks through timing.
 */
@Injectable()
export class OperatorTokenGuard implements CanActivate {
  private readonly digests: { digest: Buffer; name: string }[];

  constructor(operators: OperatorTokens) {
    this.digests = [...operators.tokens].map(([token, name]) => ({ digest: digest(token), name }));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<OperatorRequest>();
    const header = request.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('an operator token is required: Authorization: Bearer <token>');
    const given = digest(m[1]);
    const operator = this.digests.find((d) => timingSafeEqual(d.digest, given));
    if (!operator) throw new UnauthorizedException('unknown operator token');
    request.operator = operator.name;
    return true;
  }
}
