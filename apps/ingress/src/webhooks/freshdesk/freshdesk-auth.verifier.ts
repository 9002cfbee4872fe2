import { UnauthenticatedWebhookError } from '../http/webhook.errors';
import { sameSecret } from '../http/secret-compare';
import type { FreshdeskWebhookSettings } from '../webhooks.config';

export const FRESHDESK_CHALLENGE = 'Basic realm="hub-webhooks", charset="UTF-8"';

/** The credentials a Freshdesk call came with. */
export interface FreshdeskCredentials {
  /** The value of the configured secret header, if sent. */
  secretHeader: string | undefined;
  /** The `Authorization` header, if sent. */
  authorization: string | undefined;
}

function basicCredentials(authorization: string | undefined): { user: string; password: string } | null {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
  if (!match) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * Authenticates a Freshdesk automation-rule call. Freshdesk signs nothing, so the rule sends the shared secret,
 * either in the configured header (a custom header of the "Trigger webhook" action) or through the action's
 * "Requires authentication": as the basic-auth password, or as the user name with any password (its "API key"
 * form). Every form is compared in constant time, all of them on every call; throws
 * {@link UnauthenticatedWebhookError} with a basic challenge when none matches.
 */
export function authenticateFreshdesk(credentials: FreshdeskCredentials, settings: FreshdeskWebhookSettings): void {
  const basic = basicCredentials(credentials.authorization);
  const matches = [
    sameSecret(credentials.secretHeader, settings.secret),
    sameSecret(basic?.password, settings.secret),
    sameSecret(basic?.user, settings.secret),
  ];
  if (!matches.some(Boolean)) {
    throw new UnauthenticatedWebhookError(
      `missing or wrong shared secret (${settings.secretHeader} header or basic auth)`,
      FRESHDESK_CHALLENGE,
    );
  }
}
