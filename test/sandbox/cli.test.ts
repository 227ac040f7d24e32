import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
});

function start(env: Record<string, string>, args: string[] = []): { child: ChildProcess; output: () => string; banner: Promise<string>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/sandbox/cli.ts', ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
  it('is a bin: the file starts with a node shebang', () => {
    expect(readFileSync(new URL('../../src/sandbox/cli.ts', import.meta.url), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('starts on SANDBOX_PORT, prints localhost URLs and the sample credentials, answers, and stops on SIGTERM', async () => {
    const { child, banner, exit } = start({ SANDBOX_PORT: '0' });
    const text = await banner;
    const url = /listening on (http:\/\/localhost:\d+)/.exec(text)?.[1];
    expect(url).toBeDefined();
    expect(text).not.toContain('127.0.0.1');
    for (const line of [`authorization URL  ${url}/oauth`, `token URL (JSON)   ${url}/oauth/access_token/json`, `API URL            ${url}/2.3`, 'client_id      1001', 'client_secret  sandboxSecret1001))', 'key            sandboxKey1001((', 'plus 300 generated users']) {
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

  it('--port overrides SANDBOX_PORT (also as --port=N)', async () => {
    const { child, banner, exit } = start({ SANDBOX_PORT: 'not-a-port' }, ['--port=0']);
    expect(await banner).toMatch(/listening on http:\/\/localhost:\d+/);
    child.kill('SIGTERM');
    expect(await exit).toBe(0);
  });

  it('--help prints the usage and exits 0 without starting', async () => {
    const { exit, output } = start({ SANDBOX_PORT: '0' }, ['--help']);
    expect(await exit).toBe(0);
    expect(output()).toContain('Usage: npm run sandbox -- [--port <port>] [--host <address>]');
    expect(output()).toContain('SANDBOX_PORT');
    expect(output()).not.toContain('listening');
  });

  it.each([
    [{ SANDBOX_PORT: 'abc' }, [], 'SANDBOX_PORT must be a port number from 0 to 65535 (e.g. SANDBOX_PORT=4000), got "abc"'],
    [{ SANDBOX_PORT: '0' }, ['--port', '70000'], '--port must be a port number from 0 to 65535 (e.g. --port 4000), got "70000"'],
    [{ SANDBOX_PORT: '0' }, ['--port'], '--port needs a value'],
    [{ SANDBOX_PORT: '0' }, ['--verbose'], 'unknown option "--verbose"'],
    [{ SANDBOX_PORT: '0' }, ['4000'], 'unknown argument "4000"'],
  ])('refuses bad input with exit status 2 and a pointer to --help (%o %o)', async (env, args, message) => {
    const { exit, output } = start(env, args);
    expect(await exit).toBe(2);
    expect(output()).toContain(`sandbox: ${message}`);
    expect(output()).toContain('--help');
  });

  it('says clearly when the port is in use (exit status 1)', async () => {
    const first = start({ SANDBOX_PORT: '0' });
    const port = /listening on http:\/\/localhost:(\d+)/.exec(await first.banner)?.[1] ?? '';
    const second = start({ SANDBOX_PORT: port });
    expect(await second.exit).toBe(1);
    expect(second.output()).toContain(`sandbox: port ${port} is already in use; pick another with --port or SANDBOX_PORT (0 picks a free one)`);
    first.child.kill('SIGTERM');
    expect(await first.exit).toBe(0);
  });
});
