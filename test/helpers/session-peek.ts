import type { RecordedRequest, Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Browser } from './login-flow.js';

/** What `GET /api/session` of the router app answers. */
export interface SessionView {
  sessionID: string | null;
  user: { accountId?: number; displayName?: string } | null;
  stackexchange: { loggedIn: boolean; expiresAt: number | null; scope: string[] };
}

/** `GET {appURL}/api/session` with the browser. */
export async function sessionOf(browser: Browser, appURL: string): Promise<SessionView> {
  const res = await browser.get(`${appURL}/api/session`);
  return res.body as SessionView;
}

/** The access token the last request to the sandbox API with a token carried (the sandbox records it). */
export function lastApiToken(se: Sandbox): string {
  const sent = [...se.requests].reverse().find((r: RecordedRequest) => r.path.startsWith('/2.3/') && typeof r.query['access_token'] === 'string');
  if (sent === undefined) throw new Error('no API request with a token was recorded');
  return sent.query['access_token'] as string;
}

/** The requests to the token endpoint recorded so far. */
export function tokenRequests(se: Sandbox): RecordedRequest[] {
  return se.requests.filter((r) => r.path.startsWith('/oauth/access_token'));
}
