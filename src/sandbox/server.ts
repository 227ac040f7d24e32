import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { API_PREFIX, handleApi } from './api.js';
import { CONSENT_PATH } from './consent-page.js';
import type { SandboxContext } from './context.js';
import { errorPage, escapeHtml, layout, sendHtml } from './html.js';
import { BodyTooLargeError, parseIncoming, type Incoming } from './incoming.js';
import { handleAuthorize, handleConsent, handleLoginSuccess, handleToken, LOGIN_SUCCESS_PATH } from './oauth.js';

/** The sandbox's HTTP server and the URL it listens on. */
export interface ListeningServer {
  server: Server;
  url: string;
  /** Stops listening and destroys every connection, including requests left hanging by a fault. */
  close(): Promise<void>;
}

function indexPage(ctx: SandboxContext): string {
  const rows = [
    ['Authorization (code grant)', `${ctx.url}/oauth`],
    ['Authorization (implicit grant)', `${ctx.url}/oauth/dialog`],
    ['Token (JSON)', `${ctx.url}/oauth/access_token/json`],
    ['Token (form-encoded)', `${ctx.url}/oauth/access_token`],
    ['API', `${ctx.url}${API_PREFIX}`],
    ['Non-web redirect URL', `${ctx.url}${LOGIN_SUCCESS_PATH}`],
  ];
  return layout(
    'Stack Exchange sandbox',
    `<h1>Stack Exchange sandbox</h1>
<p class="muted">A local stand-in for Stack Exchange's OAuth endpoints and API v2.3.</p>
<ul>${rows.map(([name, url]) => `<li>${escapeHtml(name ?? '')}: <code>${escapeHtml(url ?? '')}</code></li>`).join('')}</ul>`,
  );
}

function route(ctx: SandboxContext, inc: Incoming, res: ServerResponse): void {
  const { path } = inc;
  if (path === API_PREFIX || path.startsWith(`${API_PREFIX}/`)) return handleApi(ctx, inc, res);
  switch (path) {
    case '/oauth':
      return handleAuthorize(ctx, inc, res, 'code');
    case '/oauth/dialog':
      return handleAuthorize(ctx, inc, res, 'implicit');
    case CONSENT_PATH:
      return handleConsent(ctx, inc, res);
    case '/oauth/access_token/json':
      return handleToken(ctx, inc, res, 'json');
    case '/oauth/access_token':
      return handleToken(ctx, inc, res, 'form');
    case LOGIN_SUCCESS_PATH:
      return handleLoginSuccess(res);
    case '/':
      return sendHtml(res, 200, indexPage(ctx));
    default:
      return sendHtml(res, 404, errorPage('Page not found', `Nothing is served at ${path}.`));
  }
}

/** Reads, records and routes one request. */
async function handle(ctx: SandboxContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let inc: Incoming;
  try {
    inc = await parseIncoming(req, ctx.clock);
  } catch (err) {
    if (!res.headersSent && !res.destroyed) {
      res.setHeader('Connection', 'close');
      sendHtml(res, err instanceof BodyTooLargeError ? 413 : 400, errorPage('Bad request', 'The request could not be read.'));
    }
    return;
  }
  const { method, path, query, form, headers, time } = inc;
  ctx.requests.push({ method, path, query, form, headers, time });
  route(ctx, inc, res);
}

/**
 * The host part of the URLs handed out: `localhost` for a loopback (127.0.0.1) or unspecified address (what people
 * type, and the domain the sample apps are registered on, so cookies and redirects agree with the
 * example app's `http://localhost:3000`), otherwise the address itself.
 */
export function urlHost(address: AddressInfo): string {
  const a = address.address;
  // Only addresses `localhost` is sure to reach (not ::1: `localhost` may resolve to 127.0.0.1 alone).
  const local = a === '127.0.0.1' || a === '0.0.0.0' || a === '::' || a === '::ffff:127.0.0.1';
  if (local) return 'localhost';
  return address.family === 'IPv6' ? `[${a}]` : a;
}

/** Starts the HTTP server on `host:port` and fills in `ctx.url`. */
export async function listen(ctx: SandboxContext, host: string, port: number): Promise<ListeningServer> {
  const server = createServer((req, res) => {
    handle(ctx, req, res).catch((err: unknown) => {
      // A bug in the sandbox: answer 500 rather than leave the client hanging.
      if (!res.headersSent) sendHtml(res, 500, errorPage('Sandbox error', err instanceof Error ? err.message : String(err)));
      else res.destroy();
    });
  });
  // Benchmarks drive many logins over few connections.
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  ctx.url = `http://${urlHost(address)}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    server,
    url: ctx.url,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
