import { Connection } from 'jsforce';

/**
 * A sales rep's session on a Salesforce org (the sandbox): REST writes made without the hub's client name in
 * `Sforce-Call-Options`, so ingress takes them as a person's changes, as it would a rep's in the Salesforce UI.
 */
export async function repSession(
  url: string,
  credentials = { clientId: 'hub-client', clientSecret: 'hub-secret' },
): Promise<Connection> {
  const res = await fetch(`${url}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: credentials.clientId,
      client_secret: credentials.clientSecret,
    }),
  });
  if (!res.ok) throw new Error(`the Salesforce org refused a session: HTTP ${res.status}`);
  const { access_token } = (await res.json()) as { access_token: string };
  return new Connection({ instanceUrl: url, accessToken: access_token, version: '62.0' });
}
