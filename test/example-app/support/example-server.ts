import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSandbox, type Sandbox, type SandboxOptions } from 'passport-stackexchange-oauth2/sandbox';
import { createApp, type AppConfig, type ExampleApp } from '../../../example-app/app.js';

/** The sandbox and the example app on it, both listening on loopback ports. */
export interface RunningExample {
  se: Sandbox;
  example: ExampleApp;
  server: Server;
  /** `http://localhost:PORT`: the sandbox's registered app is on the domain `localhost`. */
  url: string;
  /** Messages passed to the app's `logError`. */
  errors: string[];
  close(): Promise<void>;
}

/** Starts the sandbox and the example app against it, as `npm start` does without credentials. */
export async function startExample(
  options: { sandbox?: SandboxOptions; app?: Partial<Pick<AppConfig, 'redisURL' | 'redisPrefix' | 'trustProxy' | 'publicURL'>> } = {},
): Promise<RunningExample> {
  const se = await createSandbox({ port: 0, ...options.sandbox });
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const client = se.clients[0];
  if (client === undefined) throw new Error('the sandbox has no app');
  const errors: string[] = [];
  const example = await createApp({
    publicURL: url,
    stackExchange: {
      clientID: client.clientId,
      clientSecret: client.clientSecret,
      key: client.key,
      authorizationURL: se.authorizationURL,
      tokenURL: se.tokenURL,
      apiURL: se.apiURL,
    },
    sandboxURL: se.url,
    sessionSecret: 'test session secret',
    warn: () => {},
    logError: (message) => errors.push(message),
    ...options.app,
  });
  server.on('request', example.app);
  return {
    se,
    example,
    server,
    url,
    errors,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await example.close();
      await se.close();
    },
  };
}
