import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { tokenRelay } from '../../src/relay/relay.js';
import type { TokenRelay } from '../../src/relay/relay.js';
import type { TokenRelayOptions } from '../../src/relay/relay-options.js';

/** A relay mounted at `/auth` on its own app and port. */
export interface RunningRelay {
  /** `http://localhost:PORT/auth` — localhost is the sandbox clients' OAuth domain. */
  url: string;
  relay: TokenRelay;
  close(): Promise<void>;
}

/** Any Express app factory (Express 5, or Express 4 through the `express4` alias). */
export type AppFactory = () => express.Express;

/** Starts an app on port 0 (all interfaces, so `localhost` works over IPv4 and IPv6) with the relay at `/auth`. */
export async function startRelay(options: TokenRelayOptions = {}, makeApp: AppFactory = express): Promise<RunningRelay> {
  const app = makeApp();
  const relay = tokenRelay(options);
  app.use('/auth', relay);
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://localhost:${port}/auth`,
    relay,
    async close() {
      await relay.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
