import { StackExchangeError } from '../errors/stackexchange-error.js';
import { abortable } from '../util/abortable.js';
import { logger } from '../util/debug.js';
import { safeCause } from '../util/safe-cause.js';
import { authorizationFailure, DesktopLoginErrorCode, safeName } from './desktop-login-flow.js';
import type { DesktopLoginResult, LoginRun } from './desktop-login-flow.js';
import type { ResolvedRelayLogin } from './desktop-login-options.js';

const log = logger('relay:desktop');

const LONG_POLL_SECONDS = 30;
// Headroom over the long-poll for the relay's answer to travel back.
const FETCH_GRACE_MS = 10_000;

type Poll =
  | { kind: 'code'; code: string }
  | { kind: 'empty' }
  | { kind: 'no_wait' }
  | { kind: 'retry'; afterMs: number }
  | { kind: 'unreachable'; error: unknown };

/**
 * The relay mode of {@link desktopLogin}: shows the authorize URL with `<relayURL>/redirect[?appid=]`
 * as redirect_uri, long-polls `<relayURL>/token` for the state until the relay holds the redirect's
 * result, and exchanges the code. A relay that answers 503 or 429 is polled again until the deadline;
 * one that cannot be connected to `maxConnectionFailures` times in a row ends the login
 * (`RELAY_UNREACHABLE`) instead of polling a dead address until the timeout.
 */
export async function relayLogin(config: ResolvedRelayLogin, run: LoginRun): Promise<DesktopLoginResult> {
  const redirectURI = `${config.relayURL}/redirect${config.appId === undefined ? '' : `?appid=${encodeURIComponent(config.appId)}`}`;
  const { signal } = run;
  const startedAt = Date.now();
  if (signal.aborted) throw run.stopped();
  // Called at once (a throw becomes a rejection); an opener that never settles must not outlast the
  // timeout or the caller's signal.
  const opening = (async () => config.openBrowser(run.authorizeURL(redirectURI)))();
  await abortable(opening, signal).catch((error: unknown) => {
    if (signal.aborted) throw run.stopped();
    throw error;
  });
  let longPoll = true;
  let failures = 0;
  for (;;) {
    if (signal.aborted) throw run.stopped();
    const remaining = config.timeout - (Date.now() - startedAt);
    const wait = longPoll ? Math.max(0, Math.min(LONG_POLL_SECONDS, Math.floor(remaining / 1000))) : 0;
    const started = Date.now();
    const poll = await pollOnce(config, run.state, wait, signal).catch((error: unknown) => {
      if (signal.aborted) throw run.stopped();
      throw error;
    });
    if (poll.kind === 'code') return run.exchange(poll.code, redirectURI);
    if (poll.kind === 'unreachable') {
      failures += 1;
      if (failures >= config.maxConnectionFailures) {
        throw new StackExchangeError(`The relay could not be reached ${failures} times in a row; check relayURL and that the relay is running`, {
          code: DesktopLoginErrorCode.RelayUnreachable,
          cause: safeCause(poll.error),
        });
      }
    } else {
      failures = 0;
    }
    if (poll.kind === 'no_wait') {
      // The relay holds polls for less than we asked (its maxWait): poll without holding.
      longPoll = false;
      continue;
    }
    const pause = poll.kind === 'retry' ? poll.afterMs : poll.kind === 'unreachable' ? config.pollInterval : Math.max(0, config.pollInterval - (Date.now() - started));
    if (pause > 0) {
      await config.sleep(pause, signal).catch(() => {
        throw run.stopped();
      });
    }
  }
}

async function pollOnce(config: ResolvedRelayLogin, state: string, wait: number, signal: AbortSignal): Promise<Poll> {
  const url = new URL(`${config.relayURL}/token`);
  url.searchParams.set('key', state);
  if (config.appId !== undefined) url.searchParams.set('appid', config.appId);
  if (wait > 0) url.searchParams.set('wait', String(wait));
  const fetchImpl = config.fetch ?? fetch;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { accept: 'application/json', 'user-agent': config.userAgent },
      redirect: 'error',
      signal: AbortSignal.any([signal, AbortSignal.timeout(wait * 1000 + FETCH_GRACE_MS)]),
    });
  } catch (error) {
    if (signal.aborted) throw error;
    log(`relay unreachable: ${String(error)}`);
    return { kind: 'unreachable', error };
  }
  // Connected: a body that breaks off is the relay's trouble, not a dead address.
  const body: unknown = await response.json().catch(() => undefined);
  if (signal.aborted) throw signal.reason;
  const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
  const errorName = typeof record['error_name'] === 'string' ? record['error_name'] : undefined;
  log(`relay answered HTTP ${response.status}${errorName ? ` ${errorName}` : ''}`);
  if (response.status === 200 && typeof record['code'] === 'string') return { kind: 'code', code: record['code'] };
  if (response.status === 200 && typeof record['access_token'] === 'string') {
    // This login asked for a code that only its verifier redeems. A token under its state was posted by
    // someone who learnt the state (e.g. another account's implicit grant): taking it would undo PKCE.
    throw new StackExchangeError('The relay held a token where a code was expected; refused', { code: DesktopLoginErrorCode.Relay });
  }
  if (response.status === 404 && errorName === 'no_token') return { kind: 'empty' };
  if (response.status === 400 && errorName === 'invalid_wait' && wait > 0) return { kind: 'no_wait' };
  if (response.status === 429 || response.status === 503) {
    const retryAfter = Number(response.headers.get('retry-after'));
    return { kind: 'retry', afterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : config.pollInterval };
  }
  if (errorName === 'access_denied') throw authorizationFailure(errorName);
  if (response.status === 403 && errorName !== undefined && errorName !== 'app_not_allowed' && errorName !== 'cross_site') {
    throw authorizationFailure(errorName);
  }
  throw new StackExchangeError(`The relay answered HTTP ${response.status}${errorName ? ` (${safeName(errorName)})` : ''}`, { code: DesktopLoginErrorCode.Relay });
}
