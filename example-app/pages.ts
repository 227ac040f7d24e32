import { Router } from 'express';
import { LOGIN_FAILURE_STATUS, isStackExchangeApiError, requireLogin, type InboxItem, type NetworkUser } from 'passport-stackexchange-oauth2';
import { avatarSource } from './avatar-source.js';
import { httpError } from './http-error.js';
import { currentUser, liveToken } from './login-state.js';
import { sendPage, startURL } from './render.js';
import { isAppUser } from './user.js';
import { homePage } from './views/home.js';
import { inboxPage } from './views/inbox.js';
import { loginFailedPage } from './views/login-failed.js';
import { logoutPage } from './views/logout.js';
import { profilePage } from './views/profile.js';

/** Options of {@link pageRoutes}. */
export interface PageRoutesOptions {
  sandbox: boolean;
  /** Scopes the login form may ask for. */
  allowedScopes: readonly string[];
  /** The app's configured address (`http://localhost:3000`), named on the `invalid_state` failure page. */
  publicURL: string;
}

/** The failure page's status: the router's own for its codes (403, 400, 502, 503), else 400. */
function failureStatus(code: string | undefined): number {
  if (code !== undefined && Object.hasOwn(LOGIN_FAILURE_STATUS, code)) return LOGIN_FAILURE_STATUS[code as keyof typeof LOGIN_FAILURE_STATUS];
  return code === 'login_required' ? 401 : 400;
}

function queryValues(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/**
 * `GET /auth/logout`, mounted before `stackExchangeAuth()`: the router logs out by POST only and
 * answers other methods with a 405, which a plain `<a href="/auth/logout">` would show as JSON. The
 * app answers the GET first with a page whose button sends the POST.
 */
export function logoutConfirmRoute(options: Pick<PageRoutesOptions, 'sandbox'>): Router {
  const router = Router();
  router.get('/auth/logout', (req, res) => {
    // This runs before the router, so its view of the token (`currentUser`) is not there yet: whoever
    // passport has in the session may log out.
    const user = isAppUser(req.user) ? req.user : undefined;
    sendPage(req, res, options.sandbox, logoutPage(user !== undefined), [], user);
  });
  return router;
}

/**
 * The pages: home, the login form's target, profile, inbox and the login failure page. Profile and
 * inbox call the API as the logged-in person through `req.stackexchange`; API errors go to the error
 * handler with their `status` (401 when the token was revoked or expired).
 */
export function pageRoutes(options: PageRoutesOptions): Router {
  const { sandbox } = options;
  const router = Router();

  // Browsers ask for /favicon.ico on pages without a `<link rel="icon">` (a JSON answer, a PDF viewer).
  router.get('/favicon.ico', (_req, res) => {
    res.redirect(301, '/static/favicon.svg');
  });

  router.get('/', (req, res) => {
    const user = currentUser(req);
    sendPage(
      req,
      res,
      sandbox,
      homePage({
        user:
          user === undefined
            ? undefined
            : {
                displayName: user.displayName,
                reputation: user.reputation,
                siteName: user.siteName,
                avatarSrc: avatarSource(user.profileImage, sandbox),
                otherSites: user.networkAccounts.map((a) => a.siteName).filter((name) => name !== user.siteName),
              },
      }),
      user === undefined ? ['/auth/client.js', '/static/home.js'] : [],
    );
  });

  // The login form sends each ticked scope as its own field; keep the allowed ones and start the login.
  router.get('/login', (req, res) => {
    const scopes = options.allowedScopes.filter((s) => queryValues(req.query['scope']).includes(s));
    const returnTo = typeof req.query['returnTo'] === 'string' ? req.query['returnTo'] : '/profile';
    res.redirect(303, startURL(returnTo, scopes));
  });

  router.get('/login-failed', (req, res) => {
    const code = typeof req.query['error'] === 'string' ? req.query['error'] : undefined;
    res.status(failureStatus(code));
    sendPage(req, res, sandbox, loginFailedPage(code, options.publicURL));
  });

  router.get('/profile', requireLogin(), async (req, res, next) => {
    try {
      const user = currentUser(req);
      const token = liveToken(req);
      if (user === undefined || token === undefined) return next(httpError(401, 'Not logged in'));
      const network = await req.stackexchange.get<NetworkUser>('/me/associated', { pagesize: 100 });
      sendPage(
        req,
        res,
        sandbox,
        profilePage({
          displayName: user.displayName,
          reputation: user.reputation,
          avatarSrc: avatarSource(user.profileImage, sandbox),
          link: user.profileUrl,
          siteName: user.siteName,
          accountId: user.accountId,
          networkUsers: network.items,
          expiresAt: token.expiresAt,
          scope: token.scope,
          now: Date.now(),
        }),
      );
    } catch (error) {
      next(error);
    }
  });

  router.get('/inbox', requireLogin(), async (req, res, next) => {
    try {
      const token = liveToken(req);
      if (token === undefined) return next(httpError(401, 'Not logged in'));
      // Ask the API rather than trusting the recorded scope: Stack Exchange's token answer does not say
      // which scopes were granted, and the API's 403 is the authoritative "no read_inbox".
      const inbox = await req.stackexchange.get<InboxItem>('/me/inbox', { pagesize: 100 }).catch((error: unknown) => {
        if (isStackExchangeApiError(error) && error.errorId === 403) return undefined;
        throw error;
      });
      if (inbox === undefined) {
        const scopes = [...token.scope.filter((s) => s !== 'read_inbox' && options.allowedScopes.includes(s)), 'read_inbox'];
        return sendPage(req, res, sandbox, inboxPage({ kind: 'missing-scope', loginURL: startURL('/inbox', scopes) }));
      }
      sendPage(req, res, sandbox, inboxPage({ kind: 'items', items: inbox.items }));
    } catch (error) {
      next(error);
    }
  });

  return router;
}
