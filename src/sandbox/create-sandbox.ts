import { API_PREFIX } from './api.js';
import { driveConsent } from './consent-driver.js';
import type { SandboxContext } from './context.js';
import { LOGIN_SUCCESS_PATH } from './oauth.js';
import { resolveOptions } from './options.js';
import { sampleQuestions } from './sample-data.js';
import { parseAuthorizeOptions, parseFaultOptions, parseIssueTokenOptions } from './method-options.js';
import { ApiRequestLog } from './request-log.js';
import { listen } from './server.js';
import { SandboxState } from './state.js';
import { AddressBans, BackoffRegistry, normalizeFamily, RateLimiter } from './throttle.js';
import type { ApiFault, AuthorizeOptions, FaultOptions, IssuedToken, IssueTokenOptions, Sandbox, SandboxOptions, SandboxStats, TokenFault } from './types.js';

const TOKEN_FAULTS: readonly string[] = ['hang', '500', 'html', 'no-token'] satisfies TokenFault[];
const API_FAULTS: readonly string[] = ['throttle', 'ban', 'unavailable', 'internal', 'compromised'] satisfies ApiFault[];

/**
 * Starts a local Stack Exchange: the OAuth endpoints (`/oauth`, `/oauth/dialog`, the consent page,
 * `/oauth/access_token[/json]`) and API v2.3 (`/2.3/...`), strict where Stack Exchange is strict.
 *
 * Defaults: listens on `127.0.0.1` on a free port (URLs say `localhost`), two registered apps on the
 * domain `localhost`, the sample users plus 300 generated ones, tokens living 86400 s, codes 60 s,
 * 30 API requests/s per address (one more bans the address from the API for 30 s), lists paged at
 * 30 items unless `pagesize` says otherwise.
 *
 * @throws TypeError when an option is invalid or unknown (the message names it and shows an example,
 *   or the nearest known option).
 * @throws Error when the port cannot be listened on.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const o = resolveOptions(options);
  const allUsers = [...o.users, ...o.generatedUsers];
  const ctx: SandboxContext = {
    clock: o.clock,
    state: new SandboxState(o.clock, o.codeLifetime, o.tokenLifetime),
    clients: o.clients,
    clientsById: new Map(o.clients.map((c) => [c.clientId, c])),
    keys: new Set([...o.clients.map((c) => c.key), ...o.keys]),
    users: o.users,
    allUsers,
    usersById: new Map(allUsers.map((u) => [u.accountId, u])),
    questions: sampleQuestions(o.users),
    autoApprove: o.autoApprove,
    quotaMax: o.quotaMax,
    writeIntervalMs: o.writeInterval * 1000,
    url: '',
    requests: [],
    throttleViolations: [],
    upvotes: [],
    faults: { token: null, api: null },
    rate: new RateLimiter(o.maxRequestsPerSecond),
    bans: new AddressBans(o.banSeconds),
    requestLog: new ApiRequestLog(),
    backoffs: new BackoffRegistry(),
    quotaUsed: new Map(),
    lastWrite: new Map(),
    writeRequestIds: new Set(),
  };
  const server = await listen(ctx, o.host, o.port);
  const url = server.url;

  function fault(target: 'token' | 'api', kind: string | null, faultOptions?: FaultOptions): void {
    const known = target === 'token' ? TOKEN_FAULTS : target === 'api' ? API_FAULTS : undefined;
    if (!known) throw new TypeError(`sandbox.fault: target must be 'token' or 'api' (e.g. fault('token', 'hang'))`);
    if (kind !== null && !known.includes(kind)) {
      throw new TypeError(`sandbox.fault: ${target} fault must be one of ${known.join(', ')} or null (e.g. fault('${target}', '${known[0]}'))`);
    }
    const { times, seconds } = parseFaultOptions(faultOptions);
    if (seconds !== undefined && kind !== 'ban') {
      throw new TypeError(`sandbox.fault: options.seconds is for the 'ban' API fault only (e.g. fault('api', 'ban', { seconds: 30 }))`);
    }
    const active = kind === null ? null : { kind, remaining: times ?? null, ...(seconds === undefined ? {} : { seconds }) };
    if (target === 'token') ctx.faults.token = active as SandboxContext['faults']['token'];
    else ctx.faults.api = active as SandboxContext['faults']['api'];
  }

  return {
    url,
    authorizationURL: `${url}/oauth`,
    implicitURL: `${url}/oauth/dialog`,
    tokenURL: `${url}/oauth/access_token/json`,
    formTokenURL: `${url}/oauth/access_token`,
    apiURL: `${url}${API_PREFIX}`,
    loginSuccessURL: `${url}${LOGIN_SUCCESS_PATH}`,
    clients: ctx.clients,
    users: ctx.users,
    generatedUsers: o.generatedUsers,
    requests: ctx.requests,
    throttleViolations: ctx.throttleViolations,
    upvotes: ctx.upvotes,
    duplicateRequests: () => ctx.requestLog.duplicates,
    stats(): SandboxStats {
      const count = (reason: string): number => ctx.throttleViolations.filter((v) => v.reason === reason).length;
      return {
        apiRequests: ctx.requestLog.total,
        peakRequestsPerSecond: ctx.requestLog.peak,
        violations: ctx.throttleViolations.length,
        rateViolations: count('rate'),
        banViolations: count('ban'),
        backoffViolations: count('backoff'),
        duplicateRequests: ctx.requestLog.duplicates.length,
      };
    },
    fault,
    setBackoff(family: string, seconds: number): void {
      const normalized = normalizeFamily(family);
      if (!normalized) throw new TypeError(`sandbox.setBackoff: unknown method family ${JSON.stringify(family)} (e.g. setBackoff('/users/{ids}', 10))`);
      if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
        throw new TypeError('sandbox.setBackoff: seconds must be a non-negative number (e.g. setBackoff(\'/users/{ids}\', 10))');
      }
      ctx.backoffs.set(normalized, seconds);
    },
    issueToken(options: IssueTokenOptions): IssuedToken {
      const issue = parseIssueTokenOptions(options);
      if (!ctx.usersById.has(issue.accountId)) {
        throw new TypeError(`sandbox.issueToken: options.accountId must be one of the users or generated users (e.g. accountId: ${ctx.users[0]?.accountId})`);
      }
      const clientId = issue.clientId ?? ctx.clients[0]?.clientId ?? '';
      if (!ctx.clientsById.has(clientId)) {
        throw new TypeError(`sandbox.issueToken: options.clientId must be a registered app (e.g. clientId: '${ctx.clients[0]?.clientId}')`);
      }
      const record = ctx.state.issueToken(clientId, issue.accountId, issue.scope);
      return record.expiresAt === null ? { accessToken: record.token } : { accessToken: record.token, expires: ctx.state.tokenLifetimeSeconds };
    },
    expireToken(token: string): void {
      ctx.state.expire(token);
    },
    authorize(authorizeUrl: string | URL, options?: AuthorizeOptions): Promise<URL> {
      let choice: ReturnType<typeof parseAuthorizeOptions>;
      try {
        choice = parseAuthorizeOptions(options);
      } catch (err) {
        return Promise.reject(err);
      }
      return driveConsent(authorizeUrl, { accountId: choice.accountId ?? ctx.users[0]?.accountId ?? 0, approve: choice.approve });
    },
    reset(): void {
      ctx.requests.length = 0;
      ctx.throttleViolations.length = 0;
      ctx.upvotes.length = 0;
      ctx.faults.token = null;
      ctx.faults.api = null;
      ctx.backoffs.reset();
      ctx.rate.reset();
      ctx.bans.reset();
      ctx.requestLog.reset();
      ctx.quotaUsed.clear();
      ctx.lastWrite.clear();
      ctx.writeRequestIds.clear();
    },
    close: () => server.close(),
  };
}
