import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

// The README's `npm run desktop-login`: `npm run build && node --import tsx example-app/desktop-login.ts`.
// The example imports the package by name, which resolves to the built `dist/` (npm test builds first).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the example with `args` until it exits by itself; a process kept alive by a leftover handle is killed after `limitMs` and reported as such. */
function run(args: string[], limitMs = 15_000): Promise<{ code: number | null; output: string; hung: boolean }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'example-app/desktop-login.ts', ...args], { cwd: ROOT });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => {
    let hung = false;
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, limitMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output, hung });
    });
  });
}

beforeAll(() => {
  if (!existsSync(new URL('../../dist/index.js', import.meta.url)) || !existsSync(new URL('../../dist/sandbox/index.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before this test');
  }
});

describe('npm run desktop-login (node --import tsx example-app/desktop-login.ts)', () => {
  it('logs in through the relay against the sandbox and exits 0 by itself', async () => {
    const { code, output, hung } = await run(['--scope', 'read_inbox,no_expiry']);
    expect(hung, output).toBe(false);
    expect(code, output).toBe(0);
    expect(output).toMatch(/redirect_uri http:\/\/localhost:\d+\/auth\/redirect\?appid=1002/);
    expect(output).toContain('code_challenge_method=S256');
    expect(output).toContain('signed in; token expires never, scope: read_inbox no_expiry');
    expect(output).toMatch(/hello, .+ \(reputation \d+\)/);
    expect(output).not.toContain('access_token');
  }, 30_000);

  it('reports a refusal and exits 1 by itself', async () => {
    const { code, output, hung } = await run(['--deny']);
    expect(hung, output).toBe(false);
    expect(code, output).toBe(1);
    expect(output).toContain('login failed: ACCESS_DENIED');
    expect(output).not.toContain('signed in');
  }, 30_000);

  it('--loopback: logs in with no relay, redirect_uri http://localhost:PORT/callback, and exits 0 by itself', async () => {
    const { code, output, hung } = await run(['--loopback', '--scope', 'read_inbox,no_expiry']);
    expect(hung, output).toBe(false);
    expect(code, output).toBe(0);
    expect(output).toMatch(/redirect_uri=http%3A%2F%2Flocalhost%3A\d+%2Fcallback&/);
    expect(output).not.toContain('/auth/redirect');
    expect(output).toContain('code_challenge_method=S256');
    expect(output).toContain('signed in; token expires never, scope: read_inbox no_expiry');
    expect(output).toMatch(/hello, .+ \(reputation \d+\)/);
    expect(output).not.toContain('access_token');
  }, 30_000);

  it('--loopback --deny: reports the refusal and exits 1 by itself', async () => {
    const { code, output, hung } = await run(['--loopback', '--deny']);
    expect(hung, output).toBe(false);
    expect(code, output).toBe(1);
    expect(output).toContain('login failed: ACCESS_DENIED');
  }, 30_000);
});
