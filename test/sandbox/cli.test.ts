import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string>): { child: ChildProcess; output: () => string; banner: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts'], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (c: Buffer) => { out += c.toString(); });
  child.stderr?.on('data', (c: Buffer) => { out += c.toString(); });
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const banner = new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', () => { if (out.includes('Press Ctrl+C')) resolve(out); });
    void exit.then(() => reject(new Error(`exited early: ${out}`)));
  });
  // Only awaited by the tests that expect a start.
  banner.catch(() => undefined);
  return { child, output: () => out, banner, exit };
}

describe('npm run sandbox (cli)', () => {
  it('starts on SANDBOX_PORT, prints its URLs and the sample credentials, answers, and stops on SIGTERM', async () => {
    const { child, banner, exit } = start({ SANDBOX_PORT: '0' });
    const text = await banner;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    expect(url).toBeDefined();
    for (const line of [`authorization URL  ${url}/oauth`, `token URL (JSON)   ${url}/oauth/access_token/json`, `API URL            ${url}/2.3`, 'client_id      1001', 'client_secret  sandboxSecret1001))', 'key            sandboxKey1001((']) {
      expect(text).toContain(line);
    }
    const res = await fetch(`${url}/2.3/users/1001?site=stackoverflow`);
    expect(res.status).toBe(200);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('stops on SIGINT', async () => {
    const { child, banner, exit } = start({ SANDBOX_PORT: '0' });
    await banner;
    child.kill('SIGINT');
    expect(await exit).toBe(0);
  });

  it('refuses a bad SANDBOX_PORT', async () => {
    const { exit, output } = start({ SANDBOX_PORT: 'abc' });
    expect(await exit).toBe(1);
    expect(output()).toContain('SANDBOX_PORT must be a port number');
  });
});
