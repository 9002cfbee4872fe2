import { CanActivate, ExecutionContext, Injectable, UnauthorizedException } from '@nestjs/common';
import { createHash, timingSafeEqual } from 'node:crypto';

/** The trail's readers: token → name (AUDIT_API_TOKENS). */
export abstract class AuditApiTokens {
  abstract readonly tokens: ReadonlyMap<string, string>;
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Bearer tokens of the audit API, compared in constant time over digests (neither a token's content nor its length
 * leaks through timing). The reader's name is set on the request.
 */
@Injectable()
export class AuditTokenGuard implements CanActivate {
  private readonly digests: { digest: Buffer; name: string }[];

  constructor(readers: AuditApiTokens) {
    this.digests = [...readers.tokens].map(([token, name]) => ({ digest: digest(token), name }));
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<{ headers: Record<string, unknown>; auditReader?: string }>();
    const header = request.headers['authorization'];
    const m = typeof header === 'string' ? /^Bearer\s+(\S+)$/i.exec(header) : null;
    if (!m) throw new UnauthorizedException('an audit token is required: Authorization: Bearer <token>');
    const given = digest(m[1]);
    const reader = this.digests.find((d) => timingSafeEqual(d.digest, given));
    if (!reader) throw new UnauthorizedException('unknown audit token');
    request.auditReader = reader.name;
    return true;
  }
}
