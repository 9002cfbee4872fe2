import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * `name=token` pairs, comma-separated, each token at least 24 characters: who may call an API, and the name its calls
 * are logged under. Parsed into token → name. Wrap in `secret(…)` in a config shape so logs redact it.
 */
export const bearerTokens = () =>
  z.string().transform((text, ctx) => {
    const tokens = new Map<string, string>();
    for (const pair of text
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const m = /^([\w.@-]+)=(\S{24,})$/.exec(pair);
      if (!m) {
        ctx.addIssue({ code: 'custom', message: 'expected name=token pairs, each token at least 24 characters' });
        return z.NEVER;
      }
      tokens.set(m[2], m[1]);
    }
    if (tokens.size === 0) {
      ctx.addIssue({ code: 'custom', message: 'expected at least one name=token pair' });
      return z.NEVER;
    }
    return tokens;
  });

/** DI token: the bearer tokens an app's protected API accepts, token → caller name. */
export abstract class ApiTokens {
  abstract readonly tokens: ReadonlyMap<string, string>;
}

export interface AuthenticatedRequest {
  headers: Record<string, string | string[] | undefined>;
  caller?: string;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * `Authorization: Bearer <token>` against {@link ApiTokens}; sets `request.caller` to the token's name. Compared in
 * constant time over digests, so neither a token's content nor its length leaks through timing.
 */
@Injectable()
export class BearerTokenGuard implements CanActivate {
  private readonly digests: { digest: Buffer; name: string }[];

  constructor(tokens: ApiTokens) {
    this.digests = [...tokens.tokens].map(([token, name]) => ({ digest: digest(token), name }));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('a token is required: Authorization: Bearer <token>');
    const given = digest(m[1]);
    let caller: string | undefined;
    // Every digest is compared, found or not: the time does not tell which one matched.
    for (const d of this.digests) if (timingSafeEqual(d.digest, given)) caller ??= d.name;
    if (!caller) throw new UnauthorizedException('unknown token');
    request.caller = caller;
    return true;
  }
}
