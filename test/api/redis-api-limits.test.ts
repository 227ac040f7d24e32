import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisApiLimits, StackExchangeClient, type LimitRequest } from 'passport-stackexchange-oauth2';
import { createSandbox, type Sandbox } from 'passport-stackexchange-oauth2/sandbox';

const WORKER = fileURLToPath(new URL('./fixtures/limits-worker.ts', import.meta.url));
const redis = createClient({ url: 'redis://127.0.0.1:6379' });
let se: Sandbox;

interface WorkerResult {
  answered: number;
  users: number[];
  errors: Array<{ code?: string; status?: number; retryAfter?: number; message?: string }>;
}

/** One long-lived worker process (SERVE mode): a job is one line on stdin, its result one line on stdout. */
interface WorkerProcess {
  child: ChildProcessWithoutNullStreams;
  lines: string[];
  waiting: Array<(line: string) => void>;
  stderr: string;
}

function startWorker(): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], { env: { ...process.env, SERVE: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  const w: WorkerProcess = { child, lines: [], waiting: [], stderr: '' };
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      const next = w.waiting.shift();
      if (next) next(line);
      else w.lines.push(line);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (w.stderr += chunk.toString()));
  return readLine(w).then(() => w);
}

function readLine(w: WorkerProcess): Promise<string> {
  const ready = w.lines.shift();
  if (ready !== undefined) return Promise.resolve(ready);
  return new Promise((resolve, reject) => {
    w.waiting.push(resolve);
    w.child.once('exit', (code) => reject(new Error(`worker exited with ${String(code)}: ${w.stderr}`)));
  });
}

// Three processes, started once for the file (each start costs seconds of tsx), each given one job per call.
let workers: WorkerProcess[] = [];

beforeAll(async () => {
  await redis.connect();
  se = await createSandbox({ port: 0 });
  workers = await Promise.all([0, 1, 2].map(() => startWorker()));
});
afterAll(async () => {
  // stdin's end is the workers' cue to quit Redis and exit.
  await Promise.all(
    workers.map(async (w) => {
      const exited = w.child.exitCode === null ? once(w.child, 'exit') : Promise.resolve();
      w.child.stdin.end();
      await exited;
    }),
  );
  await se.close();
  await redis.quit();
});

/** Has worker process `n` read `ids` through limits under `prefix`, starting at `startAt`. */
async function worker(n: number, prefix: string, ids: number[], startAt = 0): Promise<WorkerResult> {
  const w = workers[n];
  if (!w) throw new Error(`no worker ${String(n)}`);
  const answer = readLine(w);
  w.child.stdin.write(`${JSON.stringify({ prefix, apiURL: se.apiURL, key: se.clients[0]?.key ?? '', ids, startAt })}\n`);
  return JSON.parse(await answer) as WorkerResult;
}

const prefix = (): string => `test:redis-api-limits:${randomUUID()}:`;
const range = (from: number, count: number): number[] => Array.from({ length: count }, (_, i) => from + i);

describe('RedisApiLimits across three processes', () => {
  it('answers 180 distinct reads fired at once, never more than 30 in a second at the sandbox, no violation', { timeout: 60_000 }, async () => {
    se.reset();
    const p = prefix();
    // The processes are already up: far enough ahead for each to have read its job.
    const startAt = Date.now() + 500;
    const results = await Promise.all([0, 1, 2].map((n) => worker(n, p, range(100_001 + n * 60, 60), startAt)));
    expect(results.map((r) => r.answered)).toEqual([60, 60, 60]);
    expect(results.flatMap((r) => r.users).sort((a, b) => a - b)).toEqual(range(100_001, 180));
    const stats = se.stats();
    expect(stats.apiRequests).toBe(180);
    expect(stats.peakRequestsPerSecond).toBeLessThanOrEqual(30);
    expect(stats.violations).toBe(0);
  });

  it('holds every process to a backoff one of them was told', { timeout: 60_000 }, async () => {
    se.reset();
    const p = prefix();
    // Two seconds: far longer than the others take to send when not held (milliseconds, the
    // processes are already up), short enough not to slow the suite.
    se.setBackoff('/users/{ids}', 2);
    const first = await worker(0, p, [1001]);
    expect(first.answered).toBe(1);
    const others = await Promise.all([worker(1, p, [1002]), worker(2, p, [1003])]);
    expect(others.map((r) => r.answered)).toEqual([1, 1]);
    expect(se.stats().backoffViolations).toBe(0);
    const times = se.requests.filter((r) => r.path.startsWith('/2.3/users/')).map((r) => r.time);
    expect(times).toHaveLength(3);
    expect(Math.min(...times.slice(1)) - (times[0] ?? 0)).toBeGreaterThanOrEqual(2000);
  });

  it('stops every process during a ban one of them met: refused at once with 429 and Retry-After, nothing sent', { timeout: 60_000 }, async () => {
    se.reset();
    const p = prefix();
    se.fault('api', 'ban', { seconds: 40, times: 1 });
    const first = await worker(0, p, [1001]);
    expect(first.errors).toMatchObject([{ code: 'API_ERROR', status: 429, retryAfter: 40 }]);
    const others = await Promise.all([worker(1, p, [1002, 1003]), worker(2, p, [1004])]);
    for (const error of others.flatMap((r) => r.errors)) {
      expect(error).toMatchObject({ code: 'API_THROTTLED', status: 429 });
      expect(error.retryAfter).toBeGreaterThan(0);
      expect(error.retryAfter).toBeLessThanOrEqual(40);
    }
    expect(others.flatMap((r) => r.errors)).toHaveLength(3);
    expect(se.requests.filter((r) => r.path.startsWith('/2.3/'))).toHaveLength(1);
  });
});

describe('RedisApiLimits', () => {
  const take = (limits: RedisApiLimits, id: string, family = '/sites'): ReturnType<RedisApiLimits['take']> =>
    limits.take({ id, family, quota: 'q' } satisfies LimitRequest);

  it('grants maxRequests per window, queues the next in arrival order, and frees unsent slots at once', async () => {
    const limits = new RedisApiLimits({ client: redis, prefix: prefix(), maxRequests: 2, interval: 60_000 });
    expect(await take(limits, 'a')).toEqual({ ok: true });
    expect(await take(limits, 'b')).toEqual({ ok: true });
    const c = await take(limits, 'c');
    const d = await take(limits, 'd');
    expect(c).toMatchObject({ ok: false, reason: 'window' });
    expect(d).toMatchObject({ ok: false, reason: 'window' });
    await limits.release('a', false);
    // One slot free: the first in the queue gets it, not a later caller.
    expect(await take(limits, 'd')).toMatchObject({ ok: false, reason: 'window' });
    expect(await take(limits, 'c')).toEqual({ ok: true });
    // A sent request keeps its slot for the interval after its answer.
    await limits.release('b', true);
    expect(await take(limits, 'd')).toMatchObject({ ok: false, reason: 'window' });
  });

  it('keeps the queue as long as its last waiter was told to wait: a waiter near the front asking again does not shorten it', async () => {
    const p = prefix();
    const limits = new RedisApiLimits({ client: redis, prefix: p, maxRequests: 1, interval: 1000 });
    expect(await take(limits, 'w')).toEqual({ ok: true });
    for (const id of ['a', 'b', 'c']) expect(await take(limits, id)).toMatchObject({ ok: false, reason: 'window' });
    const last = await take(limits, 'd');
    const lastWait = last.ok ? 0 : last.waitMs;
    expect(lastWait).toBeGreaterThanOrEqual(3000);
    expect(await take(limits, 'a')).toMatchObject({ ok: false, reason: 'window' });
    // 'd' may ask again up to lastWait from now: the queue (and its leases) must still be there then.
    for (const key of ['waiters', 'leases']) expect(Number(await redis.sendCommand(['PTTL', `${p}${key}`])), key).toBeGreaterThan(lastWait);
  });

  it('counts a sent request for the interval after its answer even when the answer came after inFlightMs', async () => {
    const p = prefix();
    const limits = new RedisApiLimits({ client: redis, prefix: p, maxRequests: 1, interval: 60_000, inFlightMs: 50 });
    expect(await take(limits, 'slow')).toEqual({ ok: true });
    // 'next' queues until the in-flight lifetime of 'slow' ends (Redis's clock), then takes its slot:
    // 'slow' has been trimmed from the window as a request whose answer never came.
    let next = await take(limits, 'next');
    for (let tries = 0; !next.ok && tries < 50; tries += 1) {
      await new Promise((resolve) => setTimeout(resolve, next.ok ? 0 : next.waitMs));
      next = await take(limits, 'next');
    }
    expect(next).toEqual({ ok: true });
    await limits.release('next', false);
    // The slow answer arrives: 'slow' was sent, so it counts for the interval from now.
    await limits.release('slow', true);
    expect(await take(limits, 'later')).toMatchObject({ ok: false, reason: 'window' });
    // Its key expires with the slot instead of lingering.
    const ttl = Number(await redis.sendCommand(['PTTL', `${p}window`]));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('takes a fractional interval (Redis expiries are whole milliseconds)', async () => {
    const limits = new RedisApiLimits({ client: redis, prefix: prefix(), maxRequests: 1, interval: 1000.5 });
    expect(await take(limits, 'a')).toEqual({ ok: true });
    expect(await take(limits, 'b')).toMatchObject({ ok: false, reason: 'window' });
    await limits.release('a', true);
    expect(await take(limits, 'b')).toMatchObject({ ok: false, reason: 'window' });
  });

  it('shares bans, backoffs and an exhausted quota', async () => {
    const p = prefix();
    const one = new RedisApiLimits({ client: redis, prefix: p });
    const two = new RedisApiLimits({ client: redis, prefix: p });
    await one.backoff('/users/{ids}', 30);
    expect(await take(two, 'x', '/users/{ids}')).toMatchObject({ ok: false, reason: 'backoff' });
    expect(await take(two, 'y', '/sites')).toEqual({ ok: true });
    await one.quota('q', { max: 10_000, remaining: 0 });
    const quota = await take(two, 'z');
    expect(quota).toMatchObject({ ok: false, reason: 'quota' });
    expect(quota.ok ? 0 : quota.waitMs).toBeLessThanOrEqual(86_400_000);
    await one.ban(20);
    const ban = await take(two, 'w');
    expect(ban).toMatchObject({ ok: false, reason: 'ban' });
    expect(ban.ok ? 0 : ban.waitMs).toBeGreaterThan(19_000);
  });

  it('fails fast with LIMITS_UNAVAILABLE (503) when Redis is not connected, sending nothing', async () => {
    const down = createClient({ url: 'redis://127.0.0.1:6379' });
    const client = new StackExchangeClient({ key: se.clients[0]?.key ?? '', apiURL: se.apiURL, cache: false, apiLimits: new RedisApiLimits({ client: down, prefix: prefix() }) });
    const from = se.requests.length;
    await expect(client.get('/sites')).rejects.toMatchObject({ name: 'StackExchangeNetworkError', code: 'LIMITS_UNAVAILABLE', status: 503 });
    expect(se.requests.length).toBe(from);
  });

  it('refuses malformed and unknown options', () => {
    expect(() => new RedisApiLimits({ client: {} as never })).toThrow(/options\.client/);
    expect(() => new RedisApiLimits({ client: redis, maxRequest: 3 } as never)).toThrow(/did you mean maxRequests/);
    expect(() => new RedisApiLimits({ client: redis, inFlightMs: 0 })).toThrow(/options\.inFlightMs must be a positive integer .*e\.g\. inFlightMs: 120000/);
    expect(() => new RedisApiLimits({ client: redis, inFlightMS: 50 } as never)).toThrow(/did you mean inFlightMs/);
    // Node fires a timer past 2^31-1 ms after 1 ms: every command would time out at once.
    expect(() => new RedisApiLimits({ client: redis, commandTimeout: 2 ** 31 })).toThrow(/options\.commandTimeout/);
  });
});
