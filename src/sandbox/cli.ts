#!/usr/bin/env node
import { basename } from 'node:path';
import { createSandbox } from './create-sandbox.js';
import type { Sandbox } from './types.js';

/** Bad command-line input: printed with a pointer to `--help`, exit status 2. */
class UsageError extends Error {}

/** What to start: from the flags, else the environment, else the defaults. */
interface CliSettings {
  help: boolean;
  host: string;
  port: number;
}

/** The name the command was run by: the `bin` name when installed, else how the repository runs it. */
function commandName(argv1: string | undefined): string {
  const base = basename(argv1 ?? '');
  return base === '' || /^cli\.[cm]?[jt]s$/.test(base) ? 'npm run sandbox --' : base;
}

function usage(name: string): string {
  return [
    `Usage: ${name} [--port <port>] [--host <address>]`,
    '',
    'Starts a local stand-in for Stack Exchange (OAuth endpoints and API v2.3) and prints its URLs,',
    'the sample apps\' credentials and the sample users. Stop it with Ctrl+C.',
    '',
    'Options:',
    '  -p, --port <port>     port to listen on; 0 picks a free one (env SANDBOX_PORT, default 4000)',
    '  -H, --host <address>  interface to listen on (env SANDBOX_HOST, default 127.0.0.1)',
    '  -h, --help            show this help',
  ].join('\n');
}

/** A port number from text; throws {@link UsageError} naming where it came from. */
function parsePort(raw: string, source: string): number {
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new UsageError(`${source} must be a port number from 0 to 65535 (e.g. ${source === 'SANDBOX_PORT' ? 'SANDBOX_PORT=4000' : '--port 4000'}), got ${JSON.stringify(raw)}`);
  return port;
}

/** Reads `--port`, `--host`, `--help` (also `--port=4000`) over `SANDBOX_PORT` and `SANDBOX_HOST`. */
function parseArgs(args: readonly string[], env: NodeJS.ProcessEnv): CliSettings {
  let help = false;
  let host: string | undefined;
  let port: number | undefined;
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = flag === arg ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = args[i + 1];
      if (next === undefined || next.startsWith('-')) throw new UsageError(`${flag} needs a value`);
      i += 1;
      return next;
    };
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '-p' || flag === '--port') port = parsePort(value(), '--port');
    else if (flag === '-H' || flag === '--host') {
      host = value();
      if (host.trim() === '') throw new UsageError('--host needs an address (e.g. --host 127.0.0.1)');
    } else throw new UsageError(`unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${JSON.stringify(arg)}`);
  }
  return {
    help,
    host: host ?? (env.SANDBOX_HOST !== undefined && env.SANDBOX_HOST !== '' ? env.SANDBOX_HOST : '127.0.0.1'),
    port: port ?? parsePort(env.SANDBOX_PORT ?? '4000', 'SANDBOX_PORT'),
  };
}

/** The text printed at start: the URLs, the sample apps' credentials and the sample users. */
function banner(se: Sandbox): string {
  const lines = [
    `Stack Exchange sandbox listening on ${se.url}`,
    '',
    `  authorization URL  ${se.authorizationURL}`,
    `  implicit URL       ${se.implicitURL}`,
    `  token URL (JSON)   ${se.tokenURL}`,
    `  token URL (form)   ${se.formTokenURL}`,
    `  API URL            ${se.apiURL}`,
    `  login_success URL  ${se.loginSuccessURL}`,
    '',
  ];
  se.clients.forEach((c, i) => {
    lines.push(
      `App ${i}: ${c.name}`,
      `  client_id      ${c.clientId}`,
      `  client_secret  ${c.clientSecret}`,
      `  key            ${c.key}`,
      `  OAuth domain   ${c.domain}`,
      '',
    );
  });
  lines.push('Users:');
  for (const u of se.users) lines.push(`  ${u.accountId}  ${u.displayName} (${Object.keys(u.sites).join(', ') || 'no site accounts'})`);
  const generated = se.generatedUsers;
  if (generated.length > 0) {
    lines.push(`  plus ${generated.length} generated users for /users/{ids} (accounts ${generated[0]?.accountId}–${generated[generated.length - 1]?.accountId}), not on the consent page`);
  }
  lines.push('', 'Press Ctrl+C to stop.');
  return lines.join('\n');
}

/** A start-up failure in words a person can act on. */
function explain(err: unknown, settings: CliSettings): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'EADDRINUSE') return `port ${settings.port} is already in use; pick another with --port or SANDBOX_PORT (0 picks a free one)`;
  if (code === 'EACCES') return `not allowed to listen on port ${settings.port}; use a port above 1023`;
  if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND') return `cannot listen on ${JSON.stringify(settings.host)}: no such local address (e.g. --host 127.0.0.1)`;
  return err instanceof Error ? err.message : String(err);
}

/** Starts the sandbox, prints the banner and stops on SIGINT/SIGTERM. */
async function main(args: readonly string[], env: NodeJS.ProcessEnv): Promise<void> {
  const name = commandName(process.argv[1]);
  let settings: CliSettings;
  try {
    settings = parseArgs(args, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`sandbox: ${err.message}\nRun ${name} --help for the options.\n`);
    process.exitCode = 2;
    return;
  }
  if (settings.help) {
    process.stdout.write(`${usage(name)}\n`);
    return;
  }
  let se: Sandbox | undefined;
  let stopping = false;
  // Registered before anything is printed, and kept while closing, so that a signal never meets the default handler.
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping the sandbox\n`);
    (se ? se.close() : Promise.resolve()).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  try {
    se = await createSandbox({ host: settings.host, port: settings.port });
  } catch (err) {
    process.stderr.write(`sandbox: ${explain(err, settings)}\n`);
    process.exit(1);
  }
  if (stopping) {
    await se.close();
    return;
  }
  process.stdout.write(`${banner(se)}\n`);
}

main(process.argv.slice(2), process.env).catch((err: unknown) => {
  process.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
