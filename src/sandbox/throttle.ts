/** The method families the sandbox serves; `backoff` applies to a whole family. */
const FAMILIES = [
  '/users/{ids}',
  '/users/{ids}/associated',
  '/users/{id}/inbox',
  '/inbox',
  '/access-tokens/{tokens}',
  '/access-tokens/{tokens}/invalidate',
  '/apps/{tokens}/de-authenticate',
  '/questions',
  '/questions/{id}/upvote',
  '/sites',
  '/users/{ids}/network-activity',
  '/filters/create',
  '/filters/{filters}',
  '/errors',
] as const;

/** A method family, e.g. `/users/{ids}`. */
export type Family = (typeof FAMILIES)[number];

// Stack Exchange counts the /me routes as their /users/{ids} equivalents.
const ALIASES: Record<string, Family> = {
  '/me': '/users/{ids}',
  '/me/associated': '/users/{ids}/associated',
  '/me/network-activity': '/users/{ids}/network-activity',
  '/me/inbox': '/users/{id}/inbox',
  '/users/{ids}/inbox': '/users/{id}/inbox',
  '/questions/{ids}/upvote': '/questions/{id}/upvote',
};

/** The family a name or alias stands for (`/me` → `/users/{ids}`), or `undefined`. */
export function normalizeFamily(name: string): Family | undefined {
  let trimmed = name.replace(/^\/2\.3(?=\/)/, '');
  // Trailing slashes, without a regex that backtracks on a long run of them.
  while (trimmed.endsWith('/')) trimmed = trimmed.slice(0, -1);
  if ((FAMILIES as readonly string[]).includes(trimmed)) return trimmed as Family;
  return ALIASES[trimmed];
}

/** More than `max` requests from one address within any 1-second window are refused. */
export class RateLimiter {
  readonly #max: number;
  readonly #windows = new Map<string, number[]>();

  constructor(max: number) {
    this.#max = max;
  }

  /** Counts a request at `now`; false when it is over the limit (it is then not counted). */
  allow(address: string, now: number): boolean {
    if (this.#max === Infinity) return true;
    let times = this.#windows.get(address);
    if (!times) {
      times = [];
      this.#windows.set(address, times);
    }
    let drop = 0;
    while (drop < times.length && (times[drop] ?? 0) <= now - 1000) drop++;
    if (drop > 0) times.splice(0, drop);
    if (times.length >= this.#max) return false;
    times.push(now);
    return true;
  }

  /** Milliseconds from `now` until `address` may send again (0 when it may now). */
  waitMs(address: string, now: number): number {
    const times = this.#windows.get(address);
    if (this.#max === Infinity || !times || times.length < this.#max) return 0;
    const oldest = times[times.length - this.#max] ?? now;
    return Math.max(0, oldest + 1000 - now);
  }

  /** Forgets every window. */
  reset(): void {
    this.#windows.clear();
  }
}

/** Addresses banned for breaking the per-second limit, as Stack Exchange bans an IP for a while. */
export class AddressBans {
  readonly #ms: number;
  readonly #until = new Map<string, number>();

  /** `seconds`: how long a ban lasts; `0` never bans. */
  constructor(seconds: number) {
    this.#ms = seconds * 1000;
  }

  /** How long a ban lasts (ms); 0 when banning is off. */
  get durationMs(): number {
    return this.#ms;
  }

  /** Bans `address` from `now` for the configured time (or `ms`). Requests during a ban do not extend it. */
  ban(address: string, now: number, ms = this.#ms): void {
    if (ms > 0) this.#until.set(address, now + ms);
  }

  /** Milliseconds left of the ban on `address` at `now`; 0 when it is not banned (a ban ends exactly at its end time). */
  remainingMs(address: string, now: number): number {
    const until = this.#until.get(address);
    if (until === undefined) return 0;
    if (now < until) return until - now;
    this.#until.delete(address);
    return 0;
  }

  /** Lifts every ban. */
  reset(): void {
    this.#until.clear();
  }
}

interface BackoffEntry {
  seconds: number;
  /** When the answer carrying `backoff` went out; `null` until then. */
  sentAt: number | null;
}

/** `backoff` per family: announced on the next answer, then enforced until it has passed. */
export class BackoffRegistry {
  readonly #entries = new Map<Family, BackoffEntry>();

  /** The next answer of `family` will carry `backoff: seconds`. */
  set(family: Family, seconds: number): void {
    this.#entries.set(family, { seconds, sentAt: null });
  }

  /** True when a call of `family` at `now` comes before an announced backoff has passed. */
  violates(family: Family, now: number): boolean {
    const entry = this.#entries.get(family);
    if (entry?.sentAt == null) return false;
    if (now < entry.sentAt + entry.seconds * 1000) return true;
    this.#entries.delete(family);
    return false;
  }

  /** The `backoff` to put on an answer of `family` about to be sent at `now`, if one is pending. */
  announce(family: Family, now: number): number | undefined {
    const entry = this.#entries.get(family);
    if (entry?.sentAt !== null) return undefined;
    entry.sentAt = now;
    return entry.seconds;
  }

  /** Forgets every backoff. */
  reset(): void {
    this.#entries.clear();
  }
}
