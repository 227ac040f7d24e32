import { createSandbox, sampleUsers } from 'passport-stackexchange-oauth2/sandbox';
import { benchLogins } from './login-throughput.js';

// `npm run bench`: numbers to compare between commits on the same machine, never a pass/fail test.
const total = Number(process.env.BENCH_LOGINS ?? 400);
const concurrency = Number(process.env.BENCH_CONCURRENCY ?? 8);

const user = sampleUsers()[0];
if (!user) throw new Error('the sandbox has no sample user');
// The consent is approved at once and the 30/s API limit is lifted: the login path is what is measured.
const se = await createSandbox({ port: 0, autoApprove: user.accountId, maxRequestsPerSecond: Infinity });
try {
  console.log(`logins: ${total} per strategy, ${concurrency} at a time, against the sandbox on ${se.url}`);
  for (const r of await benchLogins(se, total, concurrency)) {
    console.log(`${r.name.padEnd(32)} ${r.perSecond.toFixed(1).padStart(7)} logins/s   p50 ${r.p50.toFixed(1)} ms   p95 ${r.p95.toFixed(1)} ms`);
  }
} finally {
  await se.close();
}
