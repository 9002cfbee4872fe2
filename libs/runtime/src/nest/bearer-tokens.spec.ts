import { UnauthorizedException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { AuthenticatedRequest, bearerTokens, BearerTokenGuard } from './bearer-tokens';

const token = 'reconcile-token-0123456789abcdef';
const guard = new BearerTokenGuard({ tokens: new Map([[token, 'ops']]) });
const call = (headers: AuthenticatedRequest['headers']) => {
  const request: AuthenticatedRequest = { headers };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  guard.canActivate(context);
  return request.caller;
};

describe('bearer tokens', () => {
  it('reads name=token pairs into token → name', () => {
    expect(bearerTokens().parse(`ops=${token}, ci=${'x'.repeat(24)}`)).toEqual(
      new Map([
        [token, 'ops'],
        ['x'.repeat(24), 'ci'],
      ]),
    );
  });

  it('refuses a short token, a pair without a name, or nothing', () => {
    for (const bad of ['ops=short', token, '', ' , ']) expect(bearerTokens().safeParse(bad).success).toBe(false);
  });

  it('lets a known token in under its name, and nobody else', () => {
    expect(call({ authorization: `Bearer ${token}` })).toBe('ops');
    expect(() => call({})).toThrow(UnauthorizedException);
    expect(() => call({ authorization: `Basic ${token}` })).toThrow(UnauthorizedException);
    expect(() => call({ authorization: 'Bearer not-the-token-0123456789abcdef' })).toThrow(UnauthorizedException);
  });
});
