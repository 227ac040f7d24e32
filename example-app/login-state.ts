import type { Request } from 'express';
import type { StackExchangeSessionInfo } from 'passport-stackexchange-oauth2';
import { isAppUser, type AppUser } from './user.js';

/** The router's view of the session; absent when the request failed before the router ran (store down). */
function sessionInfo(req: Request): StackExchangeSessionInfo | undefined {
  return (req as { stackexchangeSession?: StackExchangeSessionInfo }).stackexchangeSession;
}

/**
 * The logged-in person, or `undefined`. Someone counts as logged in only while the router says the
 * session's token is live: once it expires or the API rejects it, the pages treat them as logged out
 * even though passport still has the user in the session.
 */
export function currentUser(req: Request): AppUser | undefined {
  if (sessionInfo(req)?.loggedIn !== true) return undefined;
  return isAppUser(req.user) ? req.user : undefined;
}

/** The session's live token details (`expiresAt`, `scope`; never the token itself), or `undefined` when there is none. */
export function liveToken(req: Request): StackExchangeSessionInfo | undefined {
  const info = sessionInfo(req);
  return info?.loggedIn === true ? info : undefined;
}
