import type { Params } from './incoming.js';
import type { DuplicateRequest } from './types.js';

/** Stack Exchange: "do not repeat an identical request more than once a minute". */
export const DUPLICATE_WINDOW_MS = 60_000;
const PEAK_WINDOW_MS = 1000;
// Forget request identities older than the duplicate window once there are this many.
const SWEEP_AT = 10_000;

/** The identity of a request: method, path and every parameter (key and token included), sorted. */
export function requestIdentity(method: string, path: string, params: Params): string {
  const pairs = Object.entries(params)
    .flatMap(([name, value]) => (Array.isArray(value) ? value : [value]).map((v) => [name, v] as const))
    .sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  return JSON.stringify([method, path, pairs]);
}

/**
 * What the API received, for the rules a test or benchmark asserts: identical requests within a
 * minute, and the most API requests seen in any one-second window (all addresses together: several
 * processes of one app behind one address are what the limit is about).
 */
export class ApiRequestLog {
  readonly #lastSeen = new Map<string, number>();
  readonly #duplicates: DuplicateRequest[] = [];
  readonly #window: number[] = [];
  #peak = 0;
  #total = 0;

  /** Notes one API request received at `time` (by the sandbox clock). */
  record(method: string, path: string, params: Params, time: number): void {
    this.#total += 1;
    const identity = requestIdentity(method, path, params);
    const previous = this.#lastSeen.get(identity);
    if (previous !== undefined && time - previous < DUPLICATE_WINDOW_MS) {
      this.#duplicates.push({ method, path, params: structuredClone(params), time, previousTime: previous });
    }
    if (this.#lastSeen.size >= SWEEP_AT) this.#sweep(time);
    this.#lastSeen.set(identity, time);
    // Requests may arrive slightly out of clock order under concurrency: keep the window sorted.
    let at = this.#window.length;
    while (at > 0 && (this.#window[at - 1] ?? 0) > time) at -= 1;
    this.#window.splice(at, 0, time);
    const newest = this.#window[this.#window.length - 1] ?? time;
    while (this.#window.length > 0 && (this.#window[0] ?? 0) <= newest - PEAK_WINDOW_MS) this.#window.shift();
    this.#peak = Math.max(this.#peak, this.#window.length);
  }

  /** Identical requests sent within a minute of the previous identical one, oldest first. */
  get duplicates(): readonly DuplicateRequest[] {
    return this.#duplicates;
  }

  /** The most API requests received within any one second. */
  get peak(): number {
    return this.#peak;
  }

  /** API requests received. */
  get total(): number {
    return this.#total;
  }

  /** Forgets everything. */
  reset(): void {
    this.#lastSeen.clear();
    this.#duplicates.length = 0;
    this.#window.length = 0;
    this.#peak = 0;
    this.#total = 0;
  }

  #sweep(now: number): void {
    for (const [identity, time] of this.#lastSeen) if (now - time >= DUPLICATE_WINDOW_MS) this.#lastSeen.delete(identity);
  }
}
