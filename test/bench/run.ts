import { createSandbox, sampleUsers } from 'passport-stackexchange-oauth2/sandbox';
import { benchBombs, benchCluster, benchRedact, benchWorkload } from './api-workload.js';
import { benchLoginCost, LOGIN_DRIVER_ARG, runLoginDriver } from './login-cost.js';
import { benchLogins } from './login-throughput.js';
import { benchRelayFlood } from './relay-flood.js';
import { benchStartTime } from './start-time.js';

// `npm run bench`: numbers to compare between commits on the same machine, never a pass/fail test.
// It runs as JavaScript bundled by esbuild, without a TypeScript loader: a loader transforms this
// package's code on the fly (tsx adds a name helper to every function) but not passport-oauth2's in
// node_modules, which slowed one side of the comparison only.
if (process.argv.includes(LOGIN_DRIVER_ARG)) await runLoginDriver();
else await main();

async function main(): Promise<void> {
  const total = Number(process.env.BENCH_LOGINS ?? 800);
  const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

  const user = sampleUsers()[0];
  if (!user) throw new Error('the sandbox has no sample user');
  // The consent is approved at once and the 30/s API limit is lifted: the login path is what is measured.
  const se = await createSandbox({ port: 0, autoApprove: user.accountId, maxRequestsPerSecond: Infinity });
  try {
    console.log(`logins: ${total} per strategy, ${concurrency} at a time, against the sandbox on ${se.url}`);
    const { ours, plain, roundRatios, medianRatio } = await benchLogins(se, total, concurrency);
    for (const r of [ours, plain]) {
      console.log(`${r.name.padEnd(32)} ${r.perSecond.toFixed(1).padStart(7)} logins/s   p50 ${r.p50.toFixed(1)} ms   p95 ${r.p95.toFixed(1)} ms   ${r.apiCallsPerLogin.toFixed(2)} API calls, ${r.sessionWritesPerLogin.toFixed(2)} session writes per login`);
    }
    console.log(`ratio ours/passport-oauth2: ${(ours.perSecond / plain.perSecond).toFixed(2)}x over all rounds, ${medianRatio.toFixed(2)}x median of ${roundRatios.length} paired rounds (${roundRatios.map((x) => x.toFixed(2)).join(' ')})`);
  } finally {
    await se.close();
  }

  // The same cycles, with the sandbox and the browsers in another process: what the app's own process spends.
  const cost = await benchLoginCost(process.argv[1] ?? '', Math.max(1, Math.round(total / 8)), concurrency, 12);
  for (const r of [cost.ours, cost.plain]) {
    console.log(`${r.name.padEnd(32)} ${r.cpuMicrosPerLogin.toFixed(0).padStart(7)} µs CPU per login in the app's process   ${r.apiCallsPerLogin.toFixed(2)} API calls, ${r.sessionWritesPerLogin.toFixed(2)} session writes per login`);
  }
  console.log(`login cost ratio passport-oauth2/ours (app's process only): ${cost.medianRatio.toFixed(2)}x median of ${cost.roundRatios.length} paired rounds (${cost.roundRatios.map((x) => x.toFixed(2)).join(' ')})`);
  if (process.env.BENCH_ONLY === 'login') return;

  // The relay under a flood of writes from one address (issue 10's audit): what is stored, how fast it is refused.
  for (const r of await benchRelayFlood(Number(process.env.BENCH_RELAY_WRITES ?? 10_000))) {
    const statuses = Object.entries(r.statuses).map(([status, n]) => `${n}×${status}`).join(' ');
    console.log(`relay flood, ${r.name.padEnd(28)} ${r.writes} writes in ${r.seconds.toFixed(2)} s   ${statuses}   ${r.keys} keys stored${r.bytesPerKey === undefined ? '' : ` (${r.bytesPerKey} B each in Redis)`}`);
  }

  // `npm start` on this tree (sandbox mode): how long a newcomer waits for the first page.
  for (const [i, t] of (await benchStartTime(Number(process.env.BENCH_START_RUNS ?? 3))).entries()) {
    console.log(`npm start, run ${i + 1}: URL printed after ${(t.printedMs / 1000).toFixed(2)} s, home page answered after ${(t.answeredMs / 1000).toFixed(2)} s`);
  }

  // The API client at scale (issue 11): requests a workload costs, three processes on one Redis window,
  // answers over maxResponseBytes, redact() on hostile input.
  for (const r of await benchWorkload()) {
    console.log(`api workload (20 users × 5 pages: /me, /me/inbox, 250 users), ${r.name.padEnd(24)} ${r.requests} requests, ${r.duplicates} identical within a minute, ${r.seconds.toFixed(2)} s`);
  }
  const cluster = await benchCluster();
  console.log(`api limits in Redis, 3 processes × 60 reads: ${cluster.answered} answered in ${cluster.seconds.toFixed(2)} s, peak ${cluster.peakPerSecond}/s at the sandbox, ${cluster.violations} violations`);
  for (const r of await benchBombs()) {
    console.log(`api answer over maxResponseBytes, ${r.name.padEnd(20)} ${r.code} after ${r.ms.toFixed(0)} ms, +${r.extraRssMB.toFixed(1)} MB RSS at peak`);
  }
  for (const r of benchRedact()) console.log(`redact(), ${r.name.padEnd(34)} ${r.ms.toFixed(3)} ms per call`);
}
