import { BadRequestException, ExecutionContext, ForbiddenException, UnauthorizedException } from '@nestjs/common';
import { OperatorRequest, OperatorTokenGuard } from './operator-token.guard';

const desk = 'desk-token-0123456789abcdefghij';
const consoleToken = 'console-token-0123456789abcdefgh';
const guard = new OperatorTokenGuard({
  tokens: new Map([[desk, 'order-desk']]),
  consoleTokens: new Map([[consoleToken, 'console']]),
});

/** Runs the guard on a request with these headers; answers the operator it recorded. */
const operatorOf = (headers: OperatorRequest['headers']): string | undefined => {
  const request: OperatorRequest = { headers };
  const context = { switchToHttp: () => ({ getRequest: () => request }) } as unknown as ExecutionContext;
  guard.canActivate(context);
  return request.operator;
};

describe('OperatorTokenGuard', () => {
  it("records an operator token's actions under its name", () => {
    expect(operatorOf({ authorization: `Bearer ${desk}` })).toBe('order-desk');
  });

  it('refuses a request without a token, or with an unknown one', () => {
    expect(() => operatorOf({})).toThrow(UnauthorizedException);
    expect(() => operatorOf({ authorization: 'Bearer not-a-token-of-anyone-here' })).toThrow(UnauthorizedException);
  });

  it('records a console token acting for a signed-in user as console:<user>', () => {
    expect(operatorOf({ authorization: `Bearer ${consoleToken}`, 'x-hub-actor': 'alice' })).toBe('console:alice');
  });

  it("records a console token's own calls, without an actor, under the console's name", () => {
    expect(operatorOf({ authorization: `Bearer ${consoleToken}` })).toBe('console');
  });

  it("refuses an actor named by a person's token: it would record the action under someone else", () => {
    expect(() => operatorOf({ authorization: `Bearer ${desk}`, 'x-hub-actor': 'alice' })).toThrow(ForbiddenException);
  });

  it('refuses an actor that is not a plain user name', () => {
    for (const actor of ['', 'alice:operator', 'a b', 'x'.repeat(65), ['alice', 'bob']]) {
      expect(() => operatorOf({ authorization: `Bearer ${consoleToken}`, 'x-hub-actor': actor })).toThrow(
        BadRequestException,
      );
    }
  });
});
