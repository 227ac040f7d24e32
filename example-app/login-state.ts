import type { Request } from 'express';
import { isAppUser, type AppUser } from './user.js';

/** The live token's public details (never the token itself). */
export interface LiveToken {
  expiresAt: number | null;
  scope: readonly string[];
}

/**
 * The logged-in person, or `undefined`. Someone counts as logged in only while the router says the
 * session's token is live: once it expires or the API rejects it, the pages treat them as logged out
 * even though passport still has the user in the session.
 */
export function currentUser(req: Request): AppUser | undefined {
  if (!req.stackexchangeSession.loggedIn) return undefined;
  return isAppUser(req.user) ? req.user : undefined;
}

/** The session's live token details, or `undefined` when there is none. */
export function liveToken(req: Request): LiveToken | undefined {
  const info = req.stackexchangeSession;
  return info.loggedIn ? { expiresAt: info.expiresAt, scope: info.scope } : undefined;
}
