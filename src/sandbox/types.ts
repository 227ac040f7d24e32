import type { IncomingHttpHeaders } from 'node:http';
import type { InboxItem, NetworkUser, User } from '../api/types.js';

/** A registered Stack Exchange app, as the sandbox knows it. */
export interface SandboxClient {
  /** The app's `client_id` (not secret), e.g. `"1001"`. */
  clientId: string;
  /** The app's `client_secret`. A public (desktop) client simply never sends it. */
  clientSecret: string;
  /** The app's API `key`, sent on every API request. */
  key: string;
  /** The registered OAuth domain: a `redirect_uri` must be on this host or one of its subdomains. */
  domain: string;
  /** The name shown on the consent page. */
  name: string;
}

/** A client to register; `clientSecret` and `name` are generated when left out. */
export interface SandboxClientInit {
  /** The app's `client_id`, unique among the apps. */
  clientId: string;
  /** The app's API key. */
  key: string;
  /** The OAuth domain, a bare host name such as `localhost` or `example.com`. */
  domain: string;
  /** Default: a random secret. */
  clientSecret?: string;
  /** Default: `App <clientId>`. */
  name?: string;
}

/** A person with a Stack Exchange network account, who can log in on the consent page. */
export interface SandboxUser {
  /** The network-wide `account_id`. */
  accountId: number;
  /** The name shown on the consent page. */
  displayName: string;
  /** The user's account on each site, keyed by the site's API parameter (`stackoverflow`, `math`, ...). */
  sites: Record<string, User>;
  /** What `/me/associated` answers for this user. */
  network: NetworkUser[];
  /** What `/me/inbox` answers for this user. */
  inbox: InboxItem[];
}

/** One request the sandbox received, exactly as sent (secrets included: this is a test double). */
export interface RecordedRequest {
  /** HTTP method, upper case. */
  method: string;
  /** The path without the query string, e.g. `/oauth/access_token/json` or `/2.3/me`. */
  path: string;
  /** The query string; a repeated parameter becomes an array of its values. */
  query: Record<string, string | string[]>;
  /** The body when it was `application/x-www-form-urlencoded` (repeated fields become arrays), else `null`. */
  form: Record<string, string | string[]> | null;
  /** The request headers, lower-cased by Node. */
  headers: IncomingHttpHeaders;
  /** When the request was complete, by the sandbox's clock (ms since the epoch). */
  time: number;
}

/** A request that broke the API's throttling contract (and was answered with `throttle_violation`). */
export interface ThrottleViolation {
  /** The method family, e.g. `/users/{ids}` (also for `/me`); the path when no method matched. */
  method: string;
  /**
   * `backoff`: called before a `backoff` had passed; `rate`: more than the per-second limit (this
   * request starts the address's ban); `ban`: sent while the address was banned.
   */
  reason: 'backoff' | 'rate' | 'ban';
  /** By the sandbox's clock (ms since the epoch). */
  time: number;
}

/**
 * An API request identical to one received less than a minute before it (same method, path and
 * parameters, `key` and `access_token` included, in any order), which Stack Exchange's throttle rules
 * forbid: "do not repeat an identical request more than once a minute".
 */
export interface DuplicateRequest {
  /** HTTP method, upper case. */
  method: string;
  /** e.g. `/2.3/me`. */
  path: string;
  /** Query and form parameters together, as sent (secrets included: this is a test double). */
  params: Record<string, string | string[]>;
  /** When this request came, by the sandbox's clock (ms since the epoch). */
  time: number;
  /** When the previous identical one came. */
  previousTime: number;
}

/** Counters of what the API received, for tests and benchmarks (see {@link Sandbox.stats}). */
export interface SandboxStats {
  /** API requests received (including refused ones). */
  apiRequests: number;
  /** The most API requests received within any one second (all addresses together), by the clock. */
  peakRequestsPerSecond: number;
  /** Every `throttle_violation` caused by the client: `throttleViolations.length`. */
  violations: number;
  /** Requests over `maxRequestsPerSecond` (each started a ban). */
  rateViolations: number;
  /** Requests sent while their address was banned. */
  banViolations: number;
  /** Requests sent before a `backoff` had passed. */
  backoffViolations: number;
  /** `duplicateRequests().length`. */
  duplicateRequests: number;
}

/** An upvote the API accepted (not a `preview=true` one). */
export interface RecordedUpvote {
  questionId: number;
  /** Who voted (the token's account). */
  accountId: number;
  /** The site's API parameter, e.g. `stackoverflow`. */
  site: string;
  /** By the sandbox's clock (ms since the epoch). */
  time: number;
}

/**
 * Faults of the token endpoints: `hang` never answers (the socket stays open until the client gives
 * up or the sandbox closes), `500` answers HTTP 500 with an HTML page, `html` answers 200 with an HTML
 * page, `no-token` answers 200 JSON without `access_token`.
 */
export type TokenFault = 'hang' | '500' | 'html' | 'no-token';

/**
 * Faults of the API: `throttle` answers error 502 `throttle_violation` ("more requests available in
 * 30 seconds") without banning; `ban` answers the same and bans the address for
 * `FaultOptions.seconds` (default `banSeconds`, or 30 when banning is off), so that every API request
 * from it until then is refused (and recorded as a `ban` violation) exactly as after going over the
 * limit; `unavailable` 503 `temporarily_unavailable`, `internal` 500 `internal_error`, `compromised`
 * 406 `access_token_compromised` (and invalidates the request's token, as Stack Exchange does).
 */
export type ApiFault = 'throttle' | 'ban' | 'unavailable' | 'internal' | 'compromised';

/** Options of {@link Sandbox.fault}. */
export interface FaultOptions {
  /** Only the next `times` requests of that kind fail; without it, every one until cleared. */
  times?: number;
  /** For the `ban` fault: how long the ban lasts, in seconds (positive). */
  seconds?: number;
}

/** Options of {@link createSandbox}. */
export interface SandboxOptions {
  /**
   * Interface to listen on. Default `127.0.0.1`. On a loopback or unspecified address the sandbox's
   * URLs say `localhost` (so cookies and registered redirect domains match what people type).
   */
  host?: string;
  /** Port; `0` (the default) picks a free one. */
  port?: number;
  /** The registered apps. Default: two apps on the domain `localhost` (see {@link Sandbox.clients}). */
  clients?: SandboxClientInit[];
  /** Extra API keys accepted without an app (e.g. a read-only key). Default none. */
  keys?: string[];
  /** The people who can log in. Default: the sample users (see {@link Sandbox.users}). */
  users?: SandboxUser[];
  /**
   * How many generated people (see {@link Sandbox.generatedUsers}) the API also knows, so that
   * vectors of more than 100 ids find someone. Default 300; `0` for none; at most 10000.
   */
  generatedUsers?: number;
  /** Access token lifetime in seconds (the `expires` answered). Default 86400. */
  tokenLifetime?: number;
  /** Authorization code lifetime in seconds. Default 60. */
  codeLifetime?: number;
  /**
   * API requests allowed from one address within any 1-second window. Default 30; `Infinity` disables.
   * The request over the limit is refused with `throttle_violation` and bans the address (see `banSeconds`).
   */
  maxRequestsPerSecond?: number;
  /**
   * Seconds an address is banned from the API after going over `maxRequestsPerSecond`, as Stack
   * Exchange bans an IP: every API request from it (by the `clock`) is refused with
   * `throttle_violation` ("more requests available in N seconds"), recorded with reason `ban` and not
   * counted toward quota. The OAuth endpoints stay open. Default 30; `0` disables banning (only the
   * request over the limit is refused). A non-negative finite number, else `TypeError`.
   */
  banSeconds?: number;
  /** Seconds an account must wait between two writes (e.g. upvotes). Default 5; `0` disables. */
  writeInterval?: number;
  /** Daily API quota per key (per key and user with a token). Default 10000. */
  quotaMax?: number;
  /** The time source (ms since the epoch) for code/token expiry, backoff, rate limits, bans and records. Default `Date.now`. */
  clock?: () => number;
  /** When set, `GET /oauth` and `/oauth/dialog` approve at once as this account, without the consent page. */
  autoApprove?: number;
}

/** Options of {@link Sandbox.issueToken}. */
export interface IssueTokenOptions {
  /** Whose token. */
  accountId: number;
  /** The app it is issued to. Default: `clients[0]`. */
  clientId?: string;
  /** Scopes, e.g. `['read_inbox', 'no_expiry']`. Default none. */
  scope?: string[];
}

/** A token issued by {@link Sandbox.issueToken}. */
export interface IssuedToken {
  /** The token, shaped like Stack Exchange's (ends in `))`). */
  accessToken: string;
  /** Seconds until expiry; absent with the `no_expiry` scope. */
  expires?: number;
}

/** Options of {@link Sandbox.authorize}. */
export interface AuthorizeOptions {
  /** The account to log in as. Default: `users[0]`. */
  accountId?: number;
  /** Press Approve (`true`, the default) or Reject. */
  approve?: boolean;
}

/** A running local Stack Exchange (OAuth endpoints and API v2.3). */
export interface Sandbox {
  /** `http://HOST:PORT`, no trailing slash; HOST is `localhost` when listening on a loopback or unspecified address. */
  readonly url: string;
  /** `${url}/oauth`: the authorization code grant. */
  readonly authorizationURL: string;
  /** `${url}/oauth/dialog`: the implicit grant. */
  readonly implicitURL: string;
  /** `${url}/oauth/access_token/json`: the token endpoint answering JSON. */
  readonly tokenURL: string;
  /** `${url}/oauth/access_token`: the token endpoint answering form-encoded. */
  readonly formTokenURL: string;
  /** `${url}/2.3`: the API root. */
  readonly apiURL: string;
  /** `${url}/oauth/login_success`: stand-in for `https://stackexchange.com/oauth/login_success`. */
  readonly loginSuccessURL: string;
  /**
   * The registered apps. By default `clients[0]` is a confidential web app and `clients[1]` one for
   * public/desktop use, both on the domain `localhost`.
   */
  readonly clients: readonly SandboxClient[];
  /**
   * The people who can log in. By default `users[0]` has a stackoverflow account, accounts on other
   * sites and unread inbox items; one user (`users.find(u => !u.sites.stackoverflow)`) has no
   * stackoverflow account.
   */
  readonly users: readonly SandboxUser[];
  /**
   * Generated people the API knows besides `users` (option `generatedUsers`, default 300): person `i`
   * (from 1) is "Sample User i", account `8000000 + i`, stackoverflow user `100000 + i`; every third
   * also on superuser. They are not offered on the consent page; `issueToken` accepts them.
   */
  readonly generatedUsers: readonly SandboxUser[];
  /** Every request received, oldest first (a live array, emptied by `reset()`). */
  readonly requests: readonly RecordedRequest[];
  /** Every `throttle_violation` answered for a backoff, the rate limit or an address ban (a live array). */
  readonly throttleViolations: readonly ThrottleViolation[];
  /** Every accepted upvote (a live array). */
  readonly upvotes: readonly RecordedUpvote[];
  /**
   * API requests identical to one received less than 60 s before (by the clock): same method, path
   * and parameters including `key` and `access_token`, in any order. Refused requests count too.
   * Emptied by `reset()`.
   */
  duplicateRequests(): readonly DuplicateRequest[];
  /** Counters since the start or the last `reset()`: peak requests per second, violations, duplicates. */
  stats(): SandboxStats;
  /**
   * Makes the token endpoints fail with `fault` (see {@link TokenFault}) until cleared with `null` (or
   * for the next `options.times` requests). Throws `TypeError` on an unknown target or fault.
   */
  fault(target: 'token', fault: TokenFault | null, options?: FaultOptions): void;
  /**
   * Makes the API fail with `fault` (see {@link ApiFault}) until cleared with `null` (or for the next
   * `options.times` requests). Throws `TypeError` on an unknown fault.
   */
  fault(target: 'api', fault: ApiFault | null, options?: FaultOptions): void;
  /**
   * The next answer of this method family (`/users/{ids}`, or an alias such as `/me`) carries
   * `backoff: seconds`; a call of the family before it has passed is a `throttle_violation`.
   * Throws `TypeError` on an unknown family or a negative number.
   */
  setBackoff(family: string, seconds: number): void;
  /** Issues a token without the browser step. Throws `TypeError` on an unknown account, app or scope. */
  issueToken(options: IssueTokenOptions): IssuedToken;
  /** Makes a token expired now (the API then answers 402). Unknown tokens are ignored. */
  expireToken(token: string): void;
  /** Acts as the person on the consent page over HTTP and returns the redirect `Location`. */
  authorize(authorizeUrl: string | URL, options?: AuthorizeOptions): Promise<URL>;
  /**
   * Clears recorded requests, throttle violations, duplicates, stats and upvotes, faults, backoffs,
   * rate windows, address bans and quota counters. Registered apps, users, codes, tokens and filters stay.
   */
  reset(): void;
  /** Stops listening and destroys every open connection (including hanging ones). */
  close(): Promise<void>;
}
