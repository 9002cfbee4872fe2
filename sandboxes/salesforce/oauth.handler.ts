import { createHmac, randomBytes } from 'node:crypto';

import { jsonResponse, type SandboxResponse } from './http.helpers';

export interface OAuthSettings {
  clientId: string;
  /** The connected app's consumer secret; replaced by {@link OAuthHandler.rotateClientSecret}. */
  clientSecret: string;
  /** For `grant_type=password` (jsforce `conn.login(username, password)` with an OAuth2 client). */
  username: string;
  password: string;
  tokenTtlMs: number;
  /**
   * Salesforce issues refresh tokens only in flows with a user consent step (web server, user-agent);
   * client-credentials and password flows never do. Set this to have the sandbox add one anyway, so
   * `grant_type=refresh_token` and jsforce's default refresh delegate can be exercised.
   */
  issueRefreshTokens: boolean;
}

/** The org and integration user the sandbox pretends to be; jsforce parses both from the `id` URL. */
export interface SandboxIdentity {
  orgId: string;
  userId: string;
  /**
   * A person working in the org (its admin): changes made through the admin API, as a user would in the UI, are
   * attributed to this user (`commitUser` of their change events), not to the integration user.
   */
  adminUserId: string;
}

interface AccessToken {
  clientId: string;
  issuedAt: number;
  expiresAt: number;
}

/** Issued tokens. An access token is valid until its lifetime ends or the registry is told to forget it. */
export class TokenRegistry {
  private readonly access = new Map<string, AccessToken>();
  private readonly refresh = new Map<string, string>();
  issued = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => Date,
    private readonly orgId: string,
  ) {}

  issueAccessToken(clientId: string): { token: string; issuedAt: number } {
    const issuedAt = this.clock().getTime();
    // Salesforce session ids start with the 15-character org id and a '!'.
    const token = `${this.orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    this.access.set(token, { clientId, issuedAt, expiresAt: issuedAt + this.ttlMs });
    this.issued++;
    return { token, issuedAt };
  }

  issueRefreshToken(clientId: string): string {
    const token = `5Aep${randomBytes(40).toString('base64url')}`;
    this.refresh.set(token, clientId);
    return token;
  }

  refreshTokenClient(token: string): string | undefined {
    return this.refresh.get(token);
  }

  isValid(token: string): boolean {
    const entry = this.access.get(token);
    if (!entry) return false;
    if (entry.expiresAt <= this.clock().getTime()) {
      this.access.delete(token);
      return false;
    }
    return true;
  }

  revoke(token: string): void {
    this.access.delete(token);
    this.refresh.delete(token);
  }

  /** Invalidates every access token issued so far (refresh tokens stay valid); returns how many. */
  expireAll(): number {
    const n = this.access.size;
    this.access.clear();
    return n;
  }
}

function oauthError(error: string, description: string, status = 400): SandboxResponse {
  return jsonResponse(
    status,
    { error, error_description: description },
    { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
  );
}

function basicCredentials(authorization: string | undefined): { id?: string; secret?: string } {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return {};
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return {};
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      return s;
    }
  };
  return { id: decode(decoded.slice(0, colon)), secret: decode(decoded.slice(colon + 1)) };
}

/** `POST /services/oauth2/token` and `/services/oauth2/revoke`. */
export class OAuthHandler {
  /** The secret before the last rotation, while it is still accepted (a staged rotation). */
  private previousSecret?: string;

  constructor(
    private readonly settings: OAuthSettings,
    private readonly tokens: TokenRegistry,
    private readonly identity: SandboxIdentity,
    private readonly instanceUrl: () => string,
  ) {}

  token(body: string, authorization: string | undefined): SandboxResponse {
    const params = new URLSearchParams(body);
    const basic = basicCredentials(authorization);
    const clientId = params.get('client_id') ?? basic.id;
    const clientSecret = params.get('client_secret') ?? basic.secret;
    const grant = params.get('grant_type');

    if (grant !== 'client_credentials' && grant !== 'password' && grant !== 'refresh_token') {
      return oauthError('unsupported_grant_type', 'grant type not supported');
    }
    if (clientId !== this.settings.clientId) return oauthError('invalid_client_id', 'client identifier invalid');
    // A refresh from a public client may omit the secret; a wrong one is always refused.
    const secretOptional = grant === 'refresh_token' && clientSecret === undefined;
    const known = clientSecret === this.settings.clientSecret || clientSecret === this.previousSecret;
    if (!secretOptional && (clientSecret === undefined || !known)) {
      return oauthError('invalid_client', 'invalid client credentials');
    }
    if (grant === 'password') {
      if (params.get('username') !== this.settings.username || params.get('password') !== this.settings.password) {
        return oauthError('invalid_grant', 'authentication failure');
      }
    }
    if (grant === 'refresh_token') {
      const owner = this.tokens.refreshTokenClient(params.get('refresh_token') ?? '');
      if (owner !== clientId) return oauthError('invalid_grant', 'expired access/refresh token');
      return this.success(clientId, false);
    }
    return this.success(clientId, this.settings.issueRefreshTokens);
  }

  /**
   * Replaces the consumer secret, as an admin does in the connected app. With `keepPrevious` the old one is still
   * accepted until the next rotation (Salesforce's staged rotation: a new secret is generated, then applied); without,
   * it is refused from now on. Issued tokens stay valid either way.
   */
  rotateClientSecret(secret: string, keepPrevious: boolean): void {
    this.previousSecret = keepPrevious ? this.settings.clientSecret : undefined;
    this.settings.clientSecret = secret;
  }

  revoke(body: string): SandboxResponse {
    const token = new URLSearchParams(body).get('token');
    if (!token) return oauthError('unsupported_token_type', 'this token type is not supported');
    this.tokens.revoke(token);
    return { status: 200 };
  }

  identityUrl(): string {
    return `${this.instanceUrl()}/id/${this.identity.orgId}/${this.identity.userId}`;
  }

  private success(clientId: string, withRefreshToken: boolean): SandboxResponse {
    const { token, issuedAt } = this.tokens.issueAccessToken(clientId);
    const id = this.identityUrl();
    const issued = String(issuedAt);
    const signature = createHmac('sha256', this.settings.clientSecret)
      .update(id + issued)
      .digest('base64');
    return jsonResponse(
      200,
      {
        access_token: token,
        ...(withRefreshToken ? { refresh_token: this.tokens.issueRefreshToken(clientId) } : {}),
        signature,
        scope: withRefreshToken ? 'refresh_token api' : 'api',
        instance_url: this.instanceUrl(),
        id,
        token_type: 'Bearer',
        issued_at: issued,
      },
      { 'Cache-Control': 'no-cache,must-revalidate,max-age=0,no-store,private' },
    );
  }
}
