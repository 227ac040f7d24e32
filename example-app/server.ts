import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { StackExchangeSettings } from './app.js';
import { readConfig } from './config.js';

// `npm start`: the example app on PORT, against real Stack Exchange when SE_CLIENT_ID and SE_KEY are
// set, otherwise against the local sandbox on SANDBOX_PORT (so it works offline on first run).

function listen(server: Server, port: number, host: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const ready = (): void => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    };
    if (host === undefined) server.listen(port, ready);
    else server.listen(port, host, ready);
  });
}

async function main(): Promise<void> {
  const config = readConfig();
  // Loaded once the settings are known to be valid, so a mistyped variable is reported at once; the
  // sandbox only when it is used, as production code never loads it.
  const { createApp } = await import('./app.js');
  let sandbox: Sandbox | undefined;
  let stackExchange: StackExchangeSettings;
  if (config.credentials === undefined) {
    const { createSandbox } = await import('passport-stackexchange-oauth2/sandbox');
    sandbox = await createSandbox({ port: config.sandboxPort });
    const client = sandbox.clients[0];
    if (client === undefined) throw new Error('The sandbox has no registered app');
    stackExchange = {
      clientID: client.clientId,
      clientSecret: client.clientSecret,
      key: client.key,
      authorizationURL: sandbox.authorizationURL,
      tokenURL: sandbox.tokenURL,
      apiURL: sandbox.apiURL,
    };
  } else {
    stackExchange = config.credentials;
  }

  // Listen first so that PORT=0 works: the callback URL needs the real port. Until the app is ready,
  // requests get a 503.
  let handler = (_req: IncomingMessage, res: ServerResponse): void => {
    res.statusCode = 503;
    res.end('Starting');
  };
  const server = createServer((req, res) => handler(req, res));
  const port = await listen(server, config.port, config.host);
  const publicURL = config.publicURL ?? `http://localhost:${port}`;
  const example = await createApp({
    publicURL,
    callbackURL: config.callbackURL,
    stackExchange,
    sandboxURL: sandbox?.url,
    sessionSecret: config.sessionSecret,
    redisURL: config.redisURL,
    trustProxy: config.trustProxy,
  });
  handler = example.app;

  if (config.sessionSecretGenerated) {
    console.warn('Warning: SESSION_SECRET is not set; using a random one, so sessions end when the app restarts.');
  }
  if (sandbox === undefined) {
    console.log('Using Stack Exchange (SE_CLIENT_ID and SE_KEY are set).');
  } else {
    const callbackHost = new URL(config.callbackURL ?? publicURL).hostname;
    if (callbackHost !== 'localhost' && !callbackHost.endsWith('.localhost')) {
      console.warn(`Warning: the sandbox's app is registered for the domain localhost; it will refuse the callback on ${callbackHost}.`);
    }
    console.log(`Sandbox mode: SE_CLIENT_ID and SE_KEY are not set. Local Stack Exchange sandbox: ${sandbox.url}`);
  }
  console.log(`Example app: ${publicURL}`);

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: shutting down`);
    server.close();
    server.closeIdleConnections();
    // Give open requests a moment, then end the rest.
    const force = setTimeout(() => server.closeAllConnections(), 5_000);
    force.unref();
    void Promise.allSettled([
      new Promise((resolve) => server.once('close', resolve)),
      example.close(),
      sandbox?.close(),
    ]).then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(`The example app could not start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
