import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { StackExchangeClient } from '../api/client.js';
import { logger } from '../util/debug.js';
import { responseClosedSignal } from '../util/response-closed.js';
import { setRouterOptions } from './request-context.js';
import type { ResolvedAuthOptions } from './router-options.js';
import { clearSessionTokens, isLive, readSessionTokens, sessionInfo, sessionRecord } from './session-tokens.js';
import type { SessionTokens } from './session-tokens.js';

const log = logger('express');

/** The session's tokens when present and not expired. */
export function liveTokens(req: Request): SessionTokens | undefined {
  const tokens = readSessionTokens(sessionRecord(req));
  return tokens !== undefined && isLive(tokens, Date.now()) ? tokens : undefined;
}

/**
 * Forgets a login whose token is gone (expired, or rejected by the API): the token and passport's user
 * leave the session, so the user counts as logged out from now on, in this request too.
 */
export function forgetLogin(req: Request, reason: string): void {
  const session = sessionRecord(req);
  clearSessionTokens(session);
  const passportData = session?.['passport'];
  if (typeof passportData === 'object' && passportData !== null && 'user' in passportData) {
    delete (passportData as Record<string, unknown>)['user'];
  }
  delete req.user;
  log(`login forgotten: ${reason}`);
}

/**
 * Middleware that prepares every request going through the router: drops an expired token, defines
 * `req.stackexchange` (a `StackExchangeClient` made on first use, with the live token or key-only) and
 * `req.stackexchangeSession`, and records the context `requireLogin()` needs.
 *
 * The client's calls are cancelled when the request's connection closes before its answer is sent.
 *
 * When the API rejects the token (errors 401/402/406) the client's `onTokenRejected` forgets the login,
 * unless the session has meanwhile got another token.
 */
export function requestClient(config: ResolvedAuthOptions): RequestHandler {
  return function stackExchangeRequestClient(req: Request, res: Response, next: NextFunction): void {
    setRouterOptions(req, config);
    const stored = readSessionTokens(sessionRecord(req));
    if (stored !== undefined && !isLive(stored, Date.now())) forgetLogin(req, 'the token expired');

    let client: StackExchangeClient | undefined;
    Object.defineProperty(req, 'stackexchange', {
      configurable: true,
      enumerable: false,
      get(): StackExchangeClient {
        if (client !== undefined) return client;
        const tokens = liveTokens(req);
        // Calls made for a request whose client went away leave the API queue (abandoned page loads).
        const options = { ...config.clientOptions, signal: responseClosedSignal(res) };
        if (tokens === undefined) {
          client = new StackExchangeClient(options);
          return client;
        }
        const token = tokens.accessToken;
        client = new StackExchangeClient({
          ...options,
          accessToken: token,
          onTokenRejected: () => {
            if (readSessionTokens(sessionRecord(req))?.accessToken === token) forgetLogin(req, 'the API rejected the token');
          },
        });
        return client;
      },
    });
    Object.defineProperty(req, 'stackexchangeSession', {
      configurable: true,
      enumerable: false,
      get: () => sessionInfo(liveTokens(req)),
    });
    next();
  };
}
