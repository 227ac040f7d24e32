import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import express from 'express';
import { desktopLogin, isStackExchangeError, StackExchangeClient, tokenRelay } from 'passport-stackexchange-oauth2';
import type { User } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';

// `npm run desktop-login`: a desktop/CLI login through a token relay, against the local sandbox.
// It starts the sandbox and a relay on http://localhost (the sandbox apps' OAuth domain), then logs in
// with desktopLogin() as a desktop app would: PKCE, no client secret, the code fetched from the relay.
// By default it plays the person on the consent page itself; with --interactive it prints the address
// for you to open in a browser. --scope takes scopes separated by commas.
// With --loopback there is no relay: desktopLogin({ redirect: 'loopback' }) listens on 127.0.0.1 itself
// and the redirect_uri is http://localhost:PORT/callback (RFC 8252), e.g. `npm run desktop-login -- --loopback`.

const { values } = parseArgs({
  options: {
    interactive: { type: 'boolean', default: false },
    scope: { type: 'string', default: 'read_inbox' },
    deny: { type: 'boolean', default: false },
    loopback: { type: 'boolean', default: false },
  },
});

async function main(): Promise<void> {
  const sandbox = await createSandbox({ port: 0 });
  const desktopApp = sandbox.clients[1];
  if (desktopApp === undefined) throw new Error('The sandbox has no desktop app registered');

  const timeout = values.interactive ? 300_000 : 30_000;
  // Stand in for the person and their browser: consent, then follow the redirect (to the relay, or to
  // this process's loopback listener, which answers once it exchanged the code).
  const playPerson = async (url: string): Promise<void> => {
    console.log(`\nOpen this address to sign in:\n  ${url}\n`);
    if (values.interactive) return;
    const location = await sandbox.authorize(url, { approve: !values.deny });
    await (await fetch(location)).text();
  };
  const common = {
    clientID: desktopApp.clientId,
    scope: values.scope,
    authorizationURL: sandbox.authorizationURL,
    tokenURL: sandbox.tokenURL,
    userAgent: 'desktop-login-example/1.0',
    timeout,
    // Interactive: print the address and open the default browser; otherwise play the person.
    ...(values.interactive && values.loopback ? {} : { openBrowser: playPerson }),
  };

  let relay: ReturnType<typeof tokenRelay> | undefined;
  let server: ReturnType<typeof createServer> | undefined;
  let login: () => ReturnType<typeof desktopLogin>;
  if (values.loopback) {
    console.log(`sandbox: ${sandbox.url}\nloopback: redirect_uri http://localhost:PORT/callback (no relay)`);
    login = () => desktopLogin({ ...common, redirect: 'loopback' });
  } else {
    const app = express();
    relay = tokenRelay({ ttl: 300, clientIds: [desktopApp.clientId] });
    app.use('/auth', relay);
    server = createServer(app);
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, resolve));
    const relayURL = `http://localhost:${(listening.address() as AddressInfo).port}/auth`;
    console.log(`sandbox: ${sandbox.url}\nrelay:   ${relayURL} (redirect_uri ${relayURL}/redirect?appid=${desktopApp.clientId})`);
    login = () => desktopLogin({ ...common, relayURL });
  }

  try {
    const tokens = await login();
    console.log(`signed in; token expires ${tokens.expiresAt === null ? 'never' : new Date(tokens.expiresAt).toISOString()}, scope: ${tokens.scope.join(' ') || '(none)'}`);

    const client = new StackExchangeClient({ key: desktopApp.key, accessToken: tokens.accessToken, apiURL: sandbox.apiURL, site: 'stackoverflow' });
    const me = await client.get<User>('/me');
    const user = me.items[0];
    console.log(user ? `hello, ${user.display_name} (reputation ${user.reputation})` : 'signed in, but no Stack Overflow account');
  } catch (error) {
    process.exitCode = 1;
    console.error(isStackExchangeError(error) ? `login failed: ${error.code}: ${error.message}` : error);
  } finally {
    await relay?.close();
    server?.closeAllConnections();
    server?.close();
    await sandbox.close();
  }
}

await main();
