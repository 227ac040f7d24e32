import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createSandbox, sampleUsers } from 'passport-stackexchange-oauth2/sandbox';
import { median, oursApp, plainApp, round, sandboxFacts } from './login-throughput.js';
import type { BenchApp, SandboxFacts } from './login-throughput.js';

/** The argument that makes the bench process the login driver (sandbox + browsers) instead. */
export const LOGIN_DRIVER_ARG = '--login-driver';

/** A round the driver is asked to run: `count` cycles against `url`, `concurrency` at a time. */
interface RoundRequest {
  url: string;
  count: number;
  concurrency: number;
}

/** What the driver reports after a round: the sandbox's API requests it saw. */
interface RoundReport {
  apiCalls: number;
}

/** One app's cost: CPU of the app's process per login cycle. */
export interface LoginCost {
  name: string;
  /** Median over rounds of the app process's CPU time (user + system) per cycle, in microseconds. */
  cpuMicrosPerLogin: number;
  apiCallsPerLogin: number;
  sessionWritesPerLogin: number;
}

/** Ours against plain passport-oauth2, measured in CPU of the apps' process only. */
export interface LoginCostComparison {
  ours: LoginCost;
  plain: LoginCost;
  /** plain/ours CPU per cycle in each round: above 1 when ours costs less. */
  roundRatios: number[];
  medianRatio: number;
}

/**
 * The child process's side: the sandbox and the simulated browsers, which stand for Stack Exchange
 * and the users, so their CPU is not counted as the app's. Runs until the parent disconnects.
 */
export async function runLoginDriver(): Promise<void> {
  const user = sampleUsers()[0];
  if (!user || !process.send) throw new Error('the login driver runs as a forked child of the bench');
  const se = await createSandbox({ port: 0, autoApprove: user.accountId, maxRequestsPerSecond: Infinity });
  process.on('message', (request: RoundRequest) => {
    se.reset();
    round(request.url, request.count, request.concurrency, []).then(
      () => process.send?.({ apiCalls: se.requests.filter((r) => r.path.startsWith('/2.3/')).length } satisfies RoundReport),
      (err: unknown) => { console.error(err); process.exit(1); },
    );
  });
  process.once('disconnect', () => void se.close());
  process.send(sandboxFacts(se));
}

/** The driver's side of the conversation: one round at a time, failing if the driver exits. */
function driverChannel(driver: ChildProcess): (request: RoundRequest) => Promise<RoundReport> {
  let waiting: { resolve: (report: RoundReport) => void; reject: (err: Error) => void } | undefined;
  driver.on('message', (report: RoundReport) => waiting?.resolve(report));
  driver.once('exit', (code) => waiting?.reject(new Error(`the login driver exited with ${String(code)}`)));
  return (request) => new Promise<RoundReport>((resolve, reject) => {
    waiting = { resolve, reject };
    driver.send(request);
  });
}

/**
 * Login cost as the app's server pays it: this process holds both apps (interleaved rounds, alternating
 * order) while a forked copy of the bench (`script` with {@link LOGIN_DRIVER_ARG}) runs the sandbox and
 * the browsers. Each round's cost is this process's CPU time per cycle, which the other process's work
 * and the machine's scheduling do not enter.
 */
export async function benchLoginCost(script: string, perRound: number, concurrency: number, rounds = 20): Promise<LoginCostComparison> {
  const driver = fork(script, [LOGIN_DRIVER_ARG], { stdio: 'inherit' });
  let ours: BenchApp | undefined;
  let plain: BenchApp | undefined;
  try {
    const [facts] = (await once(driver, 'message')) as [SandboxFacts];
    ours = await oursApp(facts);
    plain = await plainApp(facts);
    const apps = { ours, plain };
    const ask = driverChannel(driver);
    for (let i = 0; i < 3; i++) for (const app of [ours, plain]) await ask({ url: app.url, count: perRound, concurrency });
    const cost = { ours: { cpu: [] as number[], api: 0, writes: 0 }, plain: { cpu: [] as number[], api: 0, writes: 0 } };
    const roundRatios: number[] = [];
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? (['ours', 'plain'] as const) : (['plain', 'ours'] as const);
      for (const which of order) {
        const app = apps[which];
        const writesBefore = app.store.writes;
        const before = process.cpuUsage();
        const report = await ask({ url: app.url, count: perRound, concurrency });
        const used = process.cpuUsage(before);
        cost[which].cpu.push((used.user + used.system) / perRound);
        cost[which].api += report.apiCalls;
        cost[which].writes += app.store.writes - writesBefore;
      }
      roundRatios.push((cost.plain.cpu[r] ?? 0) / (cost.ours.cpu[r] ?? 1));
    }
    const logins = rounds * perRound;
    const summary = (name: string, c: typeof cost.ours): LoginCost => ({ name, cpuMicrosPerLogin: median(c.cpu), apiCallsPerLogin: c.api / logins, sessionWritesPerLogin: c.writes / logins });
    return {
      ours: summary('StackExchangeStrategy + router', cost.ours),
      plain: summary('passport-oauth2 (pkce + state)', cost.plain),
      roundRatios,
      medianRatio: median(roundRatios),
    };
  } finally {
    driver.disconnect();
    await ours?.close();
    await plain?.close();
  }
}
