import { Router } from 'express';
import { callbackRoute } from './callback-route.js';
import { clientScript, sendClientScript } from './client-script.js';
import { logoutRoute } from './logout-route.js';
import { requestClient } from './request-client.js';
import { warnOnce } from './diagnostics.js';
import { resolveAuthOptions } from './router-options.js';
import type { StackExchangeAuthOptions } from './router-options.js';
import { startRoute } from './start-route.js';

/**
 * The companion router of `StackExchangeStrategy`. Mount it after `express-session` and
 * `passport.session()`: `app.use(stackExchangeAuth({ strategy }))`, with the strategy instance given
 * to `passport.use()` (the router reads only its public members: `settings`, `apiClientOptions()`,
 * `classifyRequest()`, `consumedLogin()`).
 *
 * On every request it defines `req.stackexchange` (an API client with the session's live token, else
 * key-only) and `req.stackexchangeSession` (`{ loggedIn, expiresAt, scope }`), and it serves:
 *
 * - `GET {basePath}/start?returnTo=/path[&scope=..][&popup=1][&networkUsers=1]` — 302 to Stack Exchange;
 * - `GET {basePath}/callback` — 303 to `returnTo`/`successRedirect`, or `failureRedirect?error=<code>`;
 * - `POST {basePath}/logout` — revoke, log out, destroy the session; 303 to `logoutRedirect` (204 JSON);
 * - `GET {basePath}/client.js` — the popup-login script (`StackExchangeLogin.authenticate()`).
 *
 * @throws TypeError when an option is unknown or malformed (the message names it and shows an example).
 */
export function stackExchangeAuth(options: StackExchangeAuthOptions): Router {
  const config = resolveAuthOptions(options);
  const callbackPath = new URL(config.strategy.settings.callbackURL).pathname;
  if (callbackPath !== `${config.basePath}/callback`) {
    warnOnce(
      config.logger,
      `callback-path:${callbackPath}:${config.basePath}`,
      `the strategy's callbackURL path ${callbackPath} is not the router's ${config.basePath}/callback: Stack Exchange will send logins where nothing completes them; set callbackURL to .../${config.basePath.slice(1)}/callback or basePath to match`,
    );
  }
  const script = clientScript(config.basePath);
  const router = Router();
  router.use(requestClient(config));
  router.get(`${config.basePath}/client.js`, (_req, res) => sendClientScript(res, script));
  router.get(`${config.basePath}/start`, startRoute(config));
  router.get(`${config.basePath}/callback`, callbackRoute(config));
  router.all(`${config.basePath}/logout`, logoutRoute(config));
  return router;
}
