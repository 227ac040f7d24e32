import type { Question } from '../api/types.js';
import type { SandboxState } from './state.js';
import type { ApiRequestLog } from './request-log.js';
import type { AddressBans, BackoffRegistry, RateLimiter } from './throttle.js';
import type { ApiFault, RecordedRequest, RecordedUpvote, SandboxClient, SandboxUser, ThrottleViolation, TokenFault } from './types.js';

/** A fault in force, for all requests (`remaining: null`) or the next `remaining` ones. */
export interface ActiveFault<K extends string> {
  kind: K;
  remaining: number | null;
  /** For the API `ban` fault: its length in seconds, when given. */
  seconds?: number;
}

/** Everything the handlers of one sandbox share. */
export interface SandboxContext {
  clock: () => number;
  state: SandboxState;
  clients: readonly SandboxClient[];
  clientsById: Map<string, SandboxClient>;
  /** Every accepted API key: the apps' keys and the extra ones. */
  keys: Set<string>;
  /** The people who can log in (offered on the consent page). */
  users: readonly SandboxUser[];
  /** `users` and the generated people: everyone the API knows. */
  allUsers: readonly SandboxUser[];
  /** Everyone the API knows, by account id. */
  usersById: Map<number, SandboxUser>;
  /** Sample questions per site, mutable (upvotes change scores). */
  questions: Map<string, Question[]>;
  autoApprove: number | undefined;
  quotaMax: number;
  writeIntervalMs: number;
  /** The base URL, filled in once the server listens. */
  url: string;
  requests: RecordedRequest[];
  throttleViolations: ThrottleViolation[];
  upvotes: RecordedUpvote[];
  faults: { token: ActiveFault<TokenFault> | null; api: ActiveFault<ApiFault> | null };
  rate: RateLimiter;
  /** Addresses banned for breaking the rate limit. */
  bans: AddressBans;
  /** Duplicates and peak rate of API requests. */
  requestLog: ApiRequestLog;
  backoffs: BackoffRegistry;
  /** Quota used per quota key (`key`, `key|account` or `ip|address`) and UTC day. */
  quotaUsed: Map<string, number>;
  /** Last accepted write per account (ms). */
  lastWrite: Map<number, number>;
  /** `request_id`s of writes already run. */
  writeRequestIds: Set<string>;
}

/** Takes one use of the token-endpoint fault in force, if any. */
export function takeTokenFault(ctx: SandboxContext): TokenFault | undefined {
  const fault = ctx.faults.token;
  if (fault && use(fault)) ctx.faults.token = null;
  return fault?.kind;
}

/** Takes one use of the API fault in force, if any. */
export function takeApiFault(ctx: SandboxContext): ActiveFault<ApiFault> | undefined {
  const fault = ctx.faults.api;
  if (fault && use(fault)) ctx.faults.api = null;
  return fault ?? undefined;
}

// Counts one use; true when the fault is now used up.
function use(fault: ActiveFault<string>): boolean {
  if (fault.remaining === null) return false;
  fault.remaining -= 1;
  return fault.remaining <= 0;
}
