import { randomToken } from '../util/random.js';

/** The scopes Stack Exchange knows. */
export const SCOPES = ['read_inbox', 'no_expiry', 'write_access', 'private_info'] as const;

/** An authorization code and what it grants. */
export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  accountId: number;
  scope: string[];
  /** The S256 challenge of the authorize request, or `null` without PKCE. */
  challenge: string | null;
  expiresAt: number;
  used: boolean;
  /** Tokens issued from this code: revoked if the code is presented again. */
  tokens: string[];
}

/** An access token and what it grants. */
export interface TokenRecord {
  token: string;
  clientId: string;
  accountId: number;
  scope: string[];
  /** ms since the epoch; `null` with the `no_expiry` scope. */
  expiresAt: number | null;
  revoked: boolean;
}

/** A pending consent page: the validated authorize request, waiting for Approve or Reject. */
export interface ConsentTransaction {
  flow: 'code' | 'implicit';
  clientId: string;
  redirectUri: string;
  scope: string[];
  state: string | null;
  challenge: string | null;
  expiresAt: number;
}

// Consent pages are open for minutes, as a person reads them.
const TRANSACTION_LIFETIME_MS = 10 * 60_000;
// Used codes are kept after expiry so that a late replay still revokes; swept after this long.
const CODE_RETENTION_MS = 10 * 60_000;
const SWEEP_EVERY = 1000;

/**
 * Real Stack Exchange tokens end in `))` and keys in `((`; keeping that shape makes clients that
 * forget to URL-encode them fail here as they would there.
 */
function newAccessToken(): string {
  return `${randomToken(18)}))`;
}

/** Codes, tokens and consent transactions of one sandbox, timed by its clock. */
export class SandboxState {
  readonly #clock: () => number;
  readonly #codeLifetimeMs: number;
  readonly #tokenLifetimeMs: number;
  readonly #codes = new Map<string, CodeGrant>();
  readonly #tokens = new Map<string, TokenRecord>();
  readonly #transactions = new Map<string, ConsentTransaction>();
  #sinceSweep = 0;

  constructor(clock: () => number, codeLifetimeSeconds: number, tokenLifetimeSeconds: number) {
    this.#clock = clock;
    this.#codeLifetimeMs = codeLifetimeSeconds * 1000;
    this.#tokenLifetimeMs = tokenLifetimeSeconds * 1000;
  }

  /** Token lifetime in whole seconds, the `expires` of a new token. */
  get tokenLifetimeSeconds(): number {
    return Math.round(this.#tokenLifetimeMs / 1000);
  }

  /** Opens a consent transaction and returns its single-use id. */
  openTransaction(tx: Omit<ConsentTransaction, 'expiresAt'>): string {
    this.#maybeSweep();
    const id = randomToken(24);
    this.#transactions.set(id, { ...tx, expiresAt: this.#clock() + TRANSACTION_LIFETIME_MS });
    return id;
  }

  /** Takes (and so closes) a transaction; `undefined` when unknown, used or expired. */
  takeTransaction(id: string): ConsentTransaction | undefined {
    const tx = this.#transactions.get(id);
    if (!tx) return undefined;
    this.#transactions.delete(id);
    return tx.expiresAt > this.#clock() ? tx : undefined;
  }

  /** Issues an authorization code. */
  issueCode(grant: Pick<CodeGrant, 'clientId' | 'redirectUri' | 'accountId' | 'scope' | 'challenge'>): string {
    this.#maybeSweep();
    const code = randomToken(24);
    this.#codes.set(code, { ...grant, expiresAt: this.#clock() + this.#codeLifetimeMs, used: false, tokens: [] });
    return code;
  }

  /** The grant of a code, used or not, while it is retained. */
  code(code: string): CodeGrant | undefined {
    return this.#codes.get(code);
  }

  /** True when the code is past its lifetime. */
  isCodeExpired(grant: CodeGrant): boolean {
    return this.#clock() >= grant.expiresAt;
  }

  /** Issues an access token (expiring unless the scope has `no_expiry`). */
  issueToken(clientId: string, accountId: number, scope: string[]): TokenRecord {
    this.#maybeSweep();
    const record: TokenRecord = {
      token: newAccessToken(),
      clientId,
      accountId,
      scope: [...scope],
      expiresAt: scope.includes('no_expiry') ? null : this.#clock() + this.#tokenLifetimeMs,
      revoked: false,
    };
    this.#tokens.set(record.token, record);
    return record;
  }

  /** The record of a token that is known, not revoked and not expired. */
  validToken(token: string): TokenRecord | undefined {
    const record = this.#tokens.get(token);
    if (!record || record.revoked) return undefined;
    if (record.expiresAt !== null && record.expiresAt <= this.#clock()) return undefined;
    return record;
  }

  /** Revokes a token; returns whether it was valid. */
  revoke(token: string): boolean {
    const record = this.validToken(token);
    if (record) record.revoked = true;
    return record !== undefined;
  }

  /** Makes a token expired now. */
  expire(token: string): void {
    const record = this.#tokens.get(token);
    if (record) record.expiresAt = this.#clock() - 1;
  }

  /** Revokes every token of an app for an account (de-authentication); returns the revoked records. */
  revokeApp(clientId: string, accountId: number): TokenRecord[] {
    const revoked: TokenRecord[] = [];
    for (const record of this.#tokens.values()) {
      if (record.clientId === clientId && record.accountId === accountId && this.validToken(record.token)) {
        record.revoked = true;
        revoked.push(record);
      }
    }
    return revoked;
  }

  // Benchmarks drive many logins through one sandbox: drop what can no longer matter.
  #maybeSweep(): void {
    if (++this.#sinceSweep < SWEEP_EVERY) return;
    this.#sinceSweep = 0;
    const now = this.#clock();
    for (const [id, tx] of this.#transactions) if (tx.expiresAt <= now) this.#transactions.delete(id);
    for (const [code, grant] of this.#codes) if (grant.expiresAt + CODE_RETENTION_MS <= now) this.#codes.delete(code);
    for (const [token, record] of this.#tokens) {
      if (record.revoked || (record.expiresAt !== null && record.expiresAt <= now)) this.#tokens.delete(token);
    }
  }
}
