import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { MemoryApiLimits, MemoryResponseCache, StackExchangeClient, redact } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';

/** Requests a workload costs at the API, with and without the response cache. */
export interface WorkloadResult {
  name: string;
  requests: number;
  duplicates: number;
  seconds: number;
}

/**
 * 20 users, each loading 5 pages that read `/me`, `/me/inbox` and 250 users by id, one new client per
 * page (as the router makes one per request). The 30/s window is lifted: the count is what is measured.
 */
export async function benchWorkload(): Promise<WorkloadResult[]> {
  const results: WorkloadResult[] = [];
  for (const withCache of [false, true]) {
    const se = await createSandbox({ port: 0, maxRequestsPerSecond: Infinity });
    try {
      const key = se.clients[0]?.key ?? '';
      const ids = se.generatedUsers.slice(0, 250).map((u) => u.sites.stackoverflow?.user_id ?? 0);
      const people = se.generatedUsers.slice(0, 20).map((u) => se.issueToken({ accountId: u.accountId, scope: ['read_inbox'] }).accessToken);
      const apiLimits = new MemoryApiLimits({ maxRequests: 1_000_000 });
      const cache = withCache ? new MemoryResponseCache() : false;
      const started = performance.now();
      await Promise.all(
        people.map(async (accessToken) => {
          for (let page = 0; page < 5; page++) {
            const client = new StackExchangeClient({ key, apiURL: se.apiURL, accessToken, apiLimits, cache });
            await Promise.all([client.get('/me'), client.get('/me/inbox'), client.get('/users/{ids}', { ids })]);
          }
        }),
      );
      const stats = se.stats();
      results.push({ name: withCache ? 'with the response cache' : 'cache: false', requests: stats.apiRequests, duplicates: stats.duplicateRequests, seconds: (performance.now() - started) / 1000 });
    } finally {
      await se.close();
    }
  }
  return results;
}

/** Three processes sharing RedisApiLimits, 180 distinct reads fired at once. */
export interface ClusterResult {
  answered: number;
  peakPerSecond: number;
  violations: number;
  seconds: number;
}

const WORKER = fileURLToPath(new URL('../api/fixtures/limits-worker.ts', import.meta.url));

export async function benchCluster(): Promise<ClusterResult> {
  const se = await createSandbox({ port: 0 });
  try {
    const prefix = `bench:api-limits:${randomUUID()}:`;
    const startAt = Date.now() + 4000;
    const run = (ids: number[]): Promise<{ answered: number }> =>
      new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
          env: { ...process.env, PREFIX: prefix, API_URL: se.apiURL, KEY: se.clients[0]?.key ?? '', IDS: ids.join(','), START_AT: String(startAt) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
        child.on('error', reject);
        child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out) as { answered: number }) : reject(new Error(`worker exited with ${String(code)}`))));
      });
    const results = await Promise.all([0, 1, 2].map((n) => run(Array.from({ length: 60 }, (_, i) => 100_001 + n * 60 + i))));
    const stats = se.stats();
    const times = se.requests.filter((r) => r.path.startsWith('/2.3/')).map((r) => r.time);
    return {
      answered: results.reduce((sum, r) => sum + r.answered, 0),
      peakPerSecond: stats.peakRequestsPerSecond,
      violations: stats.violations,
      seconds: (Math.max(...times) - Math.min(...times)) / 1000,
    };
  } finally {
    await se.close();
  }
}

/** A huge answer against maxResponseBytes (16 MiB default): time to the error and extra RSS. */
export interface BombResult {
  name: string;
  code: string;
  ms: number;
  extraRssMB: number;
}

export async function benchBombs(): Promise<BombResult[]> {
  // Compressed a megabyte at a time: the bench process never holds the 600 MB itself.
  const gzip = createGzip({ level: 9 });
  const parts: Buffer[] = [];
  gzip.on('data', (chunk: Buffer) => parts.push(chunk));
  const megabyte = Buffer.alloc(1024 * 1024, 0x20);
  for (let i = 0; i < 600; i++) if (!gzip.write(megabyte)) await once(gzip, 'drain');
  gzip.end();
  await once(gzip, 'end');
  const bomb = Buffer.concat(parts);
  const big = Buffer.from(JSON.stringify({ items: [{ text: 'x'.repeat(50 * 1024 * 1024) }] }));
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/2.3/bomb')) res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(bomb);
    else res.writeHead(200, { 'content-type': 'application/json' }).end(big);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const results: BombResult[] = [];
  try {
    for (const [name, path] of [['600 MB gzip bomb', '/bomb'], ['50 MB plain answer', '/big']] as const) {
      global.gc?.();
      const before = process.memoryUsage().rss;
      let peak = before;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
      const client = new StackExchangeClient({ key: 'k', apiURL: `http://127.0.0.1:${port}/2.3`, cache: false, retry: false, apiLimits: new MemoryApiLimits() });
      const started = performance.now();
      const error = (await client.get(path).catch((e: unknown) => e)) as { code?: string };
      const ms = performance.now() - started;
      clearInterval(sampler);
      peak = Math.max(peak, process.memoryUsage().rss);
      results.push({ name, code: error.code ?? 'no error', ms, extraRssMB: (peak - before) / 1024 / 1024 });
    }
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
  return results;
}

/** redact() on hostile inputs: milliseconds per call. */
export function benchRedact(): Array<{ name: string; ms: number }> {
  const inputs: Array<[string, string]> = [
    ['36 backslashes, unterminated', `{"access_token":"${'\\'.repeat(36)}`],
    ['300 B of quote-backslash pairs', `'code': '${"\\'".repeat(150)}`],
    ['100 KB of backslashes', `"key":"${'\\'.repeat(100_000)}`],
    ['100 KB of key= pairs', Array.from({ length: 14_000 }, (_, i) => `key=${i}`).join('&')],
  ];
  return inputs.map(([name, text]) => {
    const runs = 200;
    const started = performance.now();
    for (let i = 0; i < runs; i++) redact(text);
    return { name, ms: (performance.now() - started) / runs };
  });
}
