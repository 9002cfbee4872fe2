import { HealthIndicatorService } from '@nestjs/terminus';
import type { ReadinessCheck } from '@hub/runtime';
import { SalesforcePort } from '../salesforce/salesforce.port';

/**
 * Ready while Salesforce accepts the hub's credentials. Down, naming the setting to fix (SF_CLIENT_SECRET for
 * `invalid_client`), while the token endpoint refuses them: a configuration error, which no retry fixes and which
 * the consumer waits out without losing or dead-lettering a record. Up again once a token is issued (a rotated
 * secret file read, or the connected app fixed).
 */
export function salesforceCredentialsReadiness(
  indicators: HealthIndicatorService,
  salesforce: SalesforcePort,
): ReadinessCheck {
  return async () => {
    const session = indicators.check('salesforceCredentials');
    const problem = await salesforce.credentialsProblem();
    return problem ? session.down({ message: problem }) : session.up();
  };
}
