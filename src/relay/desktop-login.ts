import { startRun } from './desktop-login-flow.js';
import type { DesktopLoginResult } from './desktop-login-flow.js';
import { printURL, resolveDesktopLogin } from './desktop-login-options.js';
import type { DesktopLoginOptions } from './desktop-login-options.js';
import { loopbackLogin } from './loopback-login.js';
import { openInBrowser } from './open-browser.js';
import { relayLogin } from './relay-login.js';
import { logger } from '../util/debug.js';

export { DesktopLoginErrorCode } from './desktop-login-flow.js';
export type { DesktopLoginResult } from './desktop-login-flow.js';
export type {
  DesktopLoginCommonOptions,
  DesktopLoginOptions,
  LoginSleep,
  LoopbackDesktopLoginOptions,
  RelayDesktopLoginOptions,
} from './desktop-login-options.js';

const log = logger('relay:desktop');

/** Loopback mode's default `openBrowser`: the URL on stderr (the fallback), then the default browser. */
async function printAndOpen(url: string): Promise<void> {
  printURL(url);
  await openInBrowser(url).catch((error: unknown) => {
    // The printed address is the way in then: a headless machine has no opener.
    log(`could not open a browser: ${error instanceof Error ? error.message : String(error)}`);
  });
}

/**
 * Logs a desktop or CLI app in with PKCE (S256) and a 256-bit state, without a client secret, and
 * resolves with the token. Two ways back from the browser:
 *
 * - `redirect: 'relay'` (default): the redirect_uri is a {@link tokenRelay}'s `/redirect`; the app
 *   long-polls `<relayURL>/token` until the relay holds the code, then exchanges it. The relay never
 *   sees the verifier, so it cannot use the code itself. A relay briefly unavailable (503, 429) is
 *   polled again until `timeout`; one that cannot be connected to `maxConnectionFailures` (3) times in
 *   a row fails the login with `RELAY_UNREACHABLE`. A token found under the state is refused
 *   (`RELAY_ERROR`): this login asked for a code bound to its verifier.
 * - `redirect: 'loopback'` (RFC 8252 §7.3): no relay at all. The app listens on 127.0.0.1 (and ::1),
 *   the redirect_uri is `http://localhost:PORT/callback` (register `localhost` as the app's OAuth
 *   domain on Stack Apps), exactly one callback with this login's state is accepted, and the browser
 *   gets a page saying it can be closed.
 *
 * @throws TypeError when an option is invalid or unknown.
 * @throws StackExchangeError with a code of {@link DesktopLoginErrorCode} (`ACCESS_DENIED`,
 *   `AUTHORIZATION_ERROR`, `LOGIN_TIMEOUT`, `LOGIN_ABORTED`, `RELAY_ERROR`, `RELAY_UNREACHABLE`,
 *   `LOOPBACK_UNAVAILABLE`), or a `TokenError` when the exchange fails.
 */
export async function desktopLogin(options: DesktopLoginOptions): Promise<DesktopLoginResult> {
  const config = resolveDesktopLogin(options, printAndOpen);
  const run = startRun(config);
  try {
    return config.redirect === 'loopback' ? await loopbackLogin(config, run) : await relayLogin(config, run);
  } finally {
    run.end();
  }
}
