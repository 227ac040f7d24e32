import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

// The README's `npm start`: `node --import tsx example-app/server.ts`, with no build step. The app imports
// the package by name; tsx resolves it through tsconfig.json's `paths` to the sources, so a fresh
// clone starts without `dist/` and nothing rebuilds type declarations first.

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** package.json's `start` script, run with this node: e.g. `['--import', 'tsx', 'example-app/server.ts']`. */
const START_ARGS = (() => {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { scripts: Record<string, string> };
  const [command, ...args] = (pkg.scripts['start'] ?? '').split(' ');
  if (command !== 'node') throw new Error(`npm start should run node directly (no build first), not: ${pkg.scripts['start']}`);
  return args;
})();

interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  appURL: string;
  sandboxURL: string | undefined;
}

const running: ChildProcessWithoutNullStreams[] = [];

/** Runs the start command with `env` (and no inherited SE_*, REDIS_URL or SESSION_SECRET); resolves once it printed its URL. */
function start(env: Record<string, string>): Promise<Started> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(?:SE_|REDIS_URL$|SESSION_SECRET$|PUBLIC_URL$|PORT$|SANDBOX_PORT$|HOST$|TRUST_PROXY$)/.test(name)),
  );
  const child = spawn(process.execPath, START_ARGS, {
    cwd: ROOT,
    env: { ...base, NODE_ENV: 'development', ...env },
  });
  running.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const app = /Example app: (http:\/\/\S+)/.exec(output);
      if (app?.[1] !== undefined) {
        const sandbox = /sandbox: (http:\/\/\S+)/.exec(output);
        resolve({ child, output: () => output, appURL: app[1], sandboxURL: sandbox?.[1] });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the app exited with ${code} before it was ready:\n${output}`)));
  });
}

function exited(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  return child.exitCode !== null ? Promise.resolve(child.exitCode) : new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

afterEach(async () => {
  for (const child of running.splice(0)) {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited(child);
    }
  }
});

describe('npm start (node --import tsx example-app/server.ts)', () => {
  it('without credentials: starts the sandbox, prints both URLs, serves the app and a PKCE login redirect', async () => {
    const app = await start({ PORT: '0', SANDBOX_PORT: '0' });
    expect(app.appURL).toMatch(/^http:\/\/localhost:\d+$/);
    // Both printed as localhost, the host the sandbox's app is registered for.
    expect(app.sandboxURL).toMatch(/^http:\/\/localhost:\d+$/);
    expect(app.output()).toContain('Sandbox mode');
    expect(app.output()).toContain('sessions are kept in memory');
    expect(app.output()).toContain('SESSION_SECRET is not set');

    const home = await fetch(`${app.appURL}/`);
    expect(home.status).toBe(200);
    const html = await home.text();
    expect(html).toContain('Log in with Stack Exchange');
    expect(html).toContain('<strong>Sandbox mode</strong>');

    const login = await fetch(`${app.appURL}/auth/start?returnTo=/profile`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const location = new URL(login.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(`${app.sandboxURL}/oauth`);
    expect(location.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('redirect_uri')).toBe(`${app.appURL}/auth/callback`);

    // The consent page is really there.
    const consent = await fetch(location);
    expect(consent.status).toBe(200);
    expect(await consent.text()).toContain('Approve');

    app.child.kill('SIGTERM');
    expect(await exited(app.child)).toBe(0);
    expect(app.output()).toContain('SIGTERM: shutting down');
  });

  it('with SE_CLIENT_ID and SE_KEY: no sandbox, the login goes to stackoverflow.com', async () => {
    const app = await start({ PORT: '0', SE_CLIENT_ID: '1234', SE_KEY: 'key((', SESSION_SECRET: 'a secret for this test' });
    expect(app.sandboxURL).toBeUndefined();
    expect(app.output()).not.toContain('SESSION_SECRET is not set');

    const home = await fetch(`${app.appURL}/`);
    expect(await home.text()).not.toContain('Sandbox mode');

    const login = await fetch(`${app.appURL}/auth/start`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const location = new URL(login.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe('https://stackoverflow.com/oauth');
    expect(location.searchParams.get('client_id')).toBe('1234');
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');

    app.child.kill('SIGINT');
    expect(await exited(app.child)).toBe(0);
  });

  it('refuses half-set credentials with a message naming the variables', async () => {
    await expect(start({ PORT: '0', SE_CLIENT_ID: '1234' })).rejects.toThrow(/set both SE_CLIENT_ID and SE_KEY/);
  });
});
