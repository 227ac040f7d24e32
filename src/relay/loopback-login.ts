import { timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { abortable } from '../util/abortable.js';
import { logger } from '../util/debug.js';
import { safeCause } from '../util/safe-cause.js';
import { authorizationFailure, DesktopLoginErrorCode } from './desktop-login-flow.js';
import type { DesktopLoginResult, LoginRun } from './desktop-login-flow.js';
import type { ResolvedLoopbackLogin } from './desktop-login-options.js';
import { messagePage } from './redirect-page.js';
import type { PageMessage } from './redirect-page.js';
import { queryOf, readParams } from './relay-params.js';
import { resultFromQuery } from './relay-result.js';

const log = logger('relay:loopback');

/** The path of the loopback redirect_uri. */
export const LOOPBACK_CALLBACK_PATH = '/callback';

const CALLBACK_NAMES = ['code', 'state', 'error', 'error_description'] as const;
// An ephemeral port free on 127.0.0.1 may be held on ::1 by someone else: pick another this many times.
const LISTEN_ATTEMPTS = 5;

/** The one callback a loopback login accepts: what it carried and the browser's response, still open. */
interface Callback {
  readonly result: { readonly code: string } | { readonly error: string };
  readonly res: ServerResponse;
}

/**
 * The loopback mode of {@link desktopLogin} (RFC 8252 §7.3): listens on 127.0.0.1 and ::1 on `port`
 * (default ephemeral), shows the authorize URL with `redirect_uri=http://localhost:PORT/callback`,
 * and accepts exactly one callback: `GET /callback` with `Host: localhost:PORT` and this login's
 * state. Anything else is answered (400 wrong Host or state or malformed query, 404 other paths,
 * 405 other methods) and changes nothing, so a page that guesses the port cannot end or hijack the
 * login. The code is exchanged as a public client with the verifier; the browser is answered after
 * the exchange with a small page saying it can be closed. The listeners stop after the callback, an
 * error, the timeout or an abort.
 */
export async function loopbackLogin(config: ResolvedLoopbackLogin, run: LoginRun): Promise<DesktopLoginResult> {
  if (run.signal.aborted) throw run.stopped();
  let accept: ((callback: Callback) => void) | undefined;
  const arrived = new Promise<Callback>((resolve) => {
    accept = resolve;
  });
  let host: string | undefined;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const verdict = judge(req, host, run.state);
    if ('status' in verdict) {
      log(`refused a request to the loopback listener: HTTP ${verdict.status}`);
      void answer(res, verdict.status, verdict.message, verdict.allow);
      return;
    }
    // Exactly one: later requests (a reload, a second tab) find the listener closed or get 409.
    host = undefined;
    accept?.({ result: verdict.result, res });
  };
  const servers = await listenLoopback(config.port, handle);
  const port = (servers[0]?.address() as AddressInfo).port;
  const redirectURI = `http://localhost:${port}${LOOPBACK_CALLBACK_PATH}`;
  // What a browser sends as Host for it: `localhost:PORT`, or `localhost` alone for port 80.
  host = new URL(redirectURI).host;
  let browser: ServerResponse | undefined;
  try {
    // Not awaited before listening for the callback: an opener that waits for the browser's whole
    // visit (a test driving Chromium, a script) would wait for our answer, which waits for it. Only its
    // failure counts.
    const opening = Promise.resolve().then(() => config.openBrowser(run.authorizeURL(redirectURI)));
    const openFailed = opening.then(() => new Promise<never>(() => undefined));
    const callback = await abortable(Promise.race([arrived, openFailed]), run.signal).catch((error: unknown) => {
      if (run.signal.aborted) throw run.stopped();
      throw error;
    });
    browser = callback.res;
    if ('error' in callback.result) {
      await answer(browser, 200, callback.result.error === 'access_denied' ? 'declined' : 'failed');
      throw authorizationFailure(callback.result.error);
    }
    try {
      const result = await run.exchange(callback.result.code, redirectURI);
      await answer(browser, 200, 'stored');
      return result;
    } catch (error) {
      await answer(browser, 502, 'failed');
      throw error;
    }
  } finally {
    host = undefined;
    await Promise.all(servers.map((server) => stop(server)));
  }
}

type Verdict =
  | { readonly result: Callback['result'] }
  | { readonly status: 400 | 404 | 405 | 409; readonly message: PageMessage; readonly allow?: string };

/** Whether a request to the listener is this login's callback; `host` is undefined once one was accepted. */
function judge(req: IncomingMessage, host: string | undefined, state: string): Verdict {
  const url = req.url ?? '';
  const path = url.split('?', 1)[0];
  // The Host check first: a DNS-rebound page reaches 127.0.0.1 under its own name, and is told nothing.
  if (host !== undefined && req.headers.host?.toLowerCase() !== host) return { status: 400, message: 'invalid' };
  if (path !== LOOPBACK_CALLBACK_PATH) return { status: 404, message: 'invalid' };
  if (req.method !== 'GET') return { status: 405, message: 'invalid', allow: 'GET' };
  if (host === undefined) return { status: 409, message: 'duplicate' };
  const params = readParams(queryOf(url), CALLBACK_NAMES);
  const given = params?.get('state');
  if (params === undefined || given === undefined || !sameSecret(given, state)) return { status: 400, message: 'invalid' };
  const result = resultFromQuery(params);
  if (!result) return { status: 400, message: 'invalid' };
  if ('access_token' in result) return { status: 400, message: 'invalid' };
  return { result };
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Sends a relay page; resolves once the response is done, or its connection closed first (never hangs on a browser that left). */
function answer(res: ServerResponse, status: number, message: PageMessage, allow?: string): Promise<void> {
  // The browser may have left while the code was exchanged: its response closed already, and no
  // 'close' would come any more.
  if (res.destroyed || res.socket === null || res.socket.destroyed) return Promise.resolve();
  const page = messagePage(message);
  res.writeHead(status, {
    ...page.headers,
    'Cache-Control': 'no-store',
    Connection: 'close',
    ...(allow === undefined ? {} : { Allow: allow }),
  });
  return new Promise((resolve) => {
    // 'close' follows 'finish', and also comes alone when the connection broke off.
    res.once('close', () => resolve());
    res.end(page.html);
  });
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function listen(server: Server, port: number, address: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: address, exclusive: true }, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Listens on 127.0.0.1 and on ::1 with the same port, so that whichever `localhost` resolves to first
 * reaches this login and no other process can sit on the other address. Without IPv6 on the machine,
 * 127.0.0.1 alone.
 *
 * @throws StackExchangeError `LOOPBACK_UNAVAILABLE` when the port cannot be had on 127.0.0.1 (or,
 *   for a fixed `port`, is held by another process on ::1).
 */
async function listenLoopback(port: number, handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server[]> {
  let lastError: unknown;
  for (let attempt = 0; attempt < (port === 0 ? LISTEN_ATTEMPTS : 1); attempt += 1) {
    const v4 = createServer(handle);
    try {
      await listen(v4, port, '127.0.0.1');
    } catch (error) {
      lastError = error;
      break;
    }
    const chosen = (v4.address() as AddressInfo).port;
    const v6 = createServer(handle);
    try {
      await listen(v6, chosen, '::1');
      return [v4, v6];
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code === 'EADDRNOTAVAIL' || code === 'EAFNOSUPPORT') return [v4];
      lastError = error;
      await stop(v4);
    }
  }
  throw new StackExchangeError(`Could not listen on the loopback interface${port === 0 ? '' : ` on port ${port}`}`, {
    code: DesktopLoginErrorCode.LoopbackUnavailable,
    cause: safeCause(lastError),
  });
}
