/** The session property that holds the user's Stack Exchange token (server-side only). */
export const SESSION_TOKENS_KEY = 'stackexchange';

/** The token of a logged-in user as kept in `req.session.stackexchange`. */
export interface SessionTokens {
  /** The access token. Never sent to the browser. */
  accessToken: string;
  /** When the token expires (ms since the epoch), or `null` for a `no_expiry` token. */
  expiresAt: number | null;
  /** The scopes the token was granted. */
  scope: string[];
}

/** What routes may know about the session's token: never the token itself. */
export interface StackExchangeSessionInfo {
  /** True while a token is there and has not expired or been rejected by the API. */
  readonly loggedIn: boolean;
  /** When the token expires (ms since the epoch); `null` for `no_expiry` tokens or when logged out. */
  readonly expiresAt: number | null;
  /** The token's scopes; empty when logged out. */
  readonly scope: readonly string[];
}

/** A session as far as the tokens go. */
export type TokenSession = Record<string, unknown>;

/** The request's session (express-session's `req.session`) as a plain record, if there is one. */
export function sessionRecord(req: { session?: unknown }): TokenSession | undefined {
  const session = req.session;
  return typeof session === 'object' && session !== null ? (session as TokenSession) : undefined;
}

function isSessionTokens(value: unknown): value is SessionTokens {
  if (typeof value !== 'object' || value === null) return false;
  const tokens = value as Record<string, unknown>;
  return (
    typeof tokens['accessToken'] === 'string' &&
    tokens['accessToken'] !== '' &&
    (tokens['expiresAt'] === null || typeof tokens['expiresAt'] === 'number') &&
    Array.isArray(tokens['scope']) &&
    tokens['scope'].every((scope) => typeof scope === 'string')
  );
}

/** The session's tokens when well-formed, else `undefined` (a malformed entry counts as none). */
export function readSessionTokens(session: TokenSession | undefined | null): SessionTokens | undefined {
  const tokens = session?.[SESSION_TOKENS_KEY];
  return isSessionTokens(tokens) ? tokens : undefined;
}

/** Stores the tokens in the session (copied, so no other reference to them leaks in). */
export function writeSessionTokens(session: TokenSession, tokens: SessionTokens): void {
  session[SESSION_TOKENS_KEY] = { accessToken: tokens.accessToken, expiresAt: tokens.expiresAt, scope: [...tokens.scope] } satisfies SessionTokens;
}

/** Removes the tokens from the session. */
export function clearSessionTokens(session: TokenSession | undefined | null): void {
  if (session && SESSION_TOKENS_KEY in session) Reflect.deleteProperty(session, SESSION_TOKENS_KEY);
}

/** True when the tokens have not expired at `now` (ms since the epoch). */
export function isLive(tokens: SessionTokens, now: number): boolean {
  return tokens.expiresAt === null || tokens.expiresAt > now;
}

// Immutable, so every logged-out request can share it.
const LOGGED_OUT: StackExchangeSessionInfo = Object.freeze({ loggedIn: false, expiresAt: null, scope: Object.freeze([]) });

/** The public view of the session's tokens; logged out when `tokens` is `undefined`. */
export function sessionInfo(tokens: SessionTokens | undefined): StackExchangeSessionInfo {
  if (tokens === undefined) return LOGGED_OUT;
  return Object.freeze({ loggedIn: true, expiresAt: tokens.expiresAt, scope: Object.freeze([...tokens.scope]) });
}
