import { createSandbox } from './create-sandbox.js';
import type { Sandbox } from './types.js';

/** The port from `SANDBOX_PORT` (default 4000); throws `TypeError` when it is not a port number. */
function portFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env.SANDBOX_PORT ?? '4000';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new TypeError(`SANDBOX_PORT must be a port number (e.g. SANDBOX_PORT=4000), got ${JSON.stringify(raw)}`);
  return port;
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
  lines.push('', 'Press Ctrl+C to stop.');
  return lines.join('\n');
}

/** Starts the sandbox on `SANDBOX_HOST` (default 127.0.0.1) and `SANDBOX_PORT`, prints the banner and stops on SIGINT/SIGTERM. */
async function main(env: NodeJS.ProcessEnv = process.env): Promise<void> {
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
  se = await createSandbox({ host: env.SANDBOX_HOST ?? '127.0.0.1', port: portFromEnv(env) });
  if (stopping) {
    await se.close();
    return;
  }
  process.stdout.write(`${banner(se)}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`sandbox: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
