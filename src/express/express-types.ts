// express-session's own types give Express's Request its `session`; the router relies on it.
import type {} from 'express-session';
import type { StackExchangeClient } from '../api/client.js';
import type { SessionTokens, StackExchangeSessionInfo } from './session-tokens.js';

// Type augmentations only: what `stackExchangeAuth()` adds to Express requests and sessions.

declare module 'express-serve-static-core' {
  interface Request {
    /**
     * A Stack Exchange API client for this request, made on first use: with the session's token while
     * it is live, otherwise key-only (anonymous). Set by `stackExchangeAuth()`.
     */
    stackexchange: StackExchangeClient;
    /**
     * Whether the session holds a live token, its `expiresAt` and `scope` (never the token itself).
     * Set by `stackExchangeAuth()`.
     */
    stackexchangeSession: StackExchangeSessionInfo;
  }
}

declare module 'express-session' {
  interface SessionData {
    /** The user's Stack Exchange token, kept server-side by `stackExchangeAuth()`. */
    stackexchange: SessionTokens;
  }
}
