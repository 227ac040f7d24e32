import { constants as bufferConstants } from 'node:buffer';
import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { abortable, onAbort } from './abortable.js';
import { MAX_TIMER_MS, deadline } from './timers.js';

/** One HTTP request whose answer is read up to a size limit. */
export interface BoundedRequest {
  /** The full URL (it may carry a key or a token in its query: never logged raw). */
  url: string;
  method: 'GET' | 'POST';
  headers: Readonly<Record<string, string>>;
  /** A form-encoded body. */
  body?: string;
  /** The caller's cancellation: aborts the exchange wherever it is. */
  signal?: AbortSignal | undefined;
  /** Milliseconds for the whole exchange, body included; past it the exchange fails with {@link ExchangeTimeout}. */
  timeout: number;
  /** The most bytes of (decompressed) body read; beyond, the answer's `body` is `undefined`. */
  maxBytes: number;
  /**
   * An injected `fetch` (tests, proxies); `undefined` sends with `node:http`/`node:https` over the
   * global keep-alive agents, which costs a third of the CPU of the global `fetch` per request.
   */
  fetch: typeof fetch | undefined;
}

/** The answer, read but not interpreted. Redirects are never followed: a 3xx is an answer like any other. */
export interface BoundedAnswer {
  status: number;
  /** The `Content-Type` header, lower-cased; empty when absent. */
  contentType: string;
  /** The body as UTF-8 text, or `undefined` when it passed `maxBytes` (the rest was not read). */
  body: string | undefined;
}

/** The exchange took longer than its `timeout`. */
export class ExchangeTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'TimeoutError';
  }
}

// An answer is first inflated in one synchronous step up to this many bytes, which covers nearly every
// API answer at the cost of a fraction of a millisecond; a larger one (or a bomb) is inflated again
// on the thread pool up to the caller's limit, so the event loop never stalls on megabytes.
const SYNC_INFLATE_LIMIT = 256 * 1024;

const inflaters = {
  gzip: { sync: zlib.gunzipSync, async: promisify(zlib.gunzip) },
  deflate: { sync: zlib.inflateSync, async: promisify(zlib.inflate) },
  deflateRaw: { sync: zlib.inflateRawSync, async: promisify(zlib.inflateRaw) },
  br: { sync: zlib.brotliDecompressSync, async: promisify(zlib.brotliDecompress) },
} as const;

type Inflater = keyof typeof inflaters;

/** The inflater of a `Content-Encoding`; `undefined` for identity and for codings fetch also leaves alone. */
function inflaterOf(encoding: string, body: Buffer): Inflater | undefined {
  switch (encoding) {
    case 'gzip':
    case 'x-gzip':
      return 'gzip';
    case 'deflate':
      // Servers send both zlib-wrapped and raw deflate under this name; a zlib header is 0x?8 and a multiple of 31.
      return body.length >= 2 && ((body[0] ?? 0) & 0x0f) === 8 && (((body[0] ?? 0) << 8) | (body[1] ?? 0)) % 31 === 0 ? 'deflate' : 'deflateRaw';
    case 'br':
      return 'br';
    default:
      return undefined;
  }
}

function isTooLarge(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE';
}

/** The body decompressed, at most `maxBytes` of it; `undefined` beyond. */
async function decode(raw: Buffer, encoding: string, maxBytes: number): Promise<string | undefined> {
  const inflater = inflaterOf(encoding, raw);
  // An empty body (a 204, or a server that labels nothing as gzip) has nothing to inflate.
  if (inflater === undefined || raw.length === 0) return raw.toString('utf8');
  const limit = Math.max(1, Math.min(maxBytes, bufferConstants.MAX_LENGTH));
  try {
    return inflaters[inflater].sync(raw, { maxOutputLength: Math.min(limit, SYNC_INFLATE_LIMIT) }).toString('utf8');
  } catch (error) {
    if (!isTooLarge(error)) throw error;
    if (limit <= SYNC_INFLATE_LIMIT) return undefined;
  }
  try {
    return (await inflaters[inflater].async(raw, { maxOutputLength: limit })).toString('utf8');
  } catch (error) {
    if (isTooLarge(error)) return undefined;
    throw error;
  }
}

function headerText(value: string | string[] | undefined): string {
  return (Array.isArray(value) ? value.join(', ') : (value ?? '')).trim().toLowerCase();
}

/** Node's code for a socket the server closed: on a reused keep-alive socket, the request never arrived. */
const STALE_SOCKET = new Set(['ECONNRESET', 'EPIPE']);

function viaNode(req: BoundedRequest): Promise<BoundedAnswer> {
  const url = new URL(req.url);
  const transport = url.protocol === 'https:' ? https : url.protocol === 'http:' ? http : undefined;
  if (transport === undefined) return Promise.reject(new TypeError(`unsupported protocol ${url.protocol}`));
  const headers: Record<string, string | number> = { ...req.headers };
  if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
  return new Promise<BoundedAnswer>((resolve, reject) => {
    let settled = false;
    let outgoing: http.ClientRequest | undefined;
    // A plain timer and one abort subscription for the whole exchange (a resend included): no
    // AbortController per request on this path.
    const timer = setTimeout(() => {
      settle(() => reject(new ExchangeTimeout(req.timeout)));
      outgoing?.destroy();
    }, Math.min(Math.max(req.timeout, 1), MAX_TIMER_MS));
    const { signal } = req;
    const unsubscribe =
      signal === undefined
        ? undefined
        : onAbort(signal, () => {
            settle(() => reject(signal.reason));
            outgoing?.destroy();
          });
    function settle(finish: () => void): void {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      unsubscribe?.();
      finish();
    }

    const send = (resent: boolean): void => {
      let answered = false;
      let sent: http.ClientRequest;
      try {
        // Throws at once on a header Node refuses (e.g. a character outside Latin-1).
        sent = transport.request(url, { method: req.method, headers }, (res) => {
          answered = true;
          receive(res);
        });
      } catch (error) {
        settle(() => reject(error));
        return;
      }
      outgoing = sent;
      sent.on('error', (error: NodeJS.ErrnoException) => {
        // A keep-alive socket the server closed meanwhile: the GET never reached it, so it is sent
        // once more on a fresh connection (as fetch does). A POST is never resent (a code is single use).
        if (!answered && !resent && !settled && req.method === 'GET' && sent.reusedSocket && STALE_SOCKET.has(error.code ?? '')) {
          send(true);
          return;
        }
        settle(() => reject(error));
      });
      sent.end(req.body);
    };

    const receive = (res: http.IncomingMessage): void => {
      const status = res.statusCode ?? 0;
      const contentType = headerText(res.headers['content-type']);
      const encoding = headerText(res.headers['content-encoding']);
      const cut = (): void =>
        settle(() => {
          res.destroy();
          resolve({ status, contentType, body: undefined });
        });
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > req.maxBytes) {
        cut();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let ended = false;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > req.maxBytes) cut();
        else chunks.push(chunk);
      });
      res.on('end', () => {
        ended = true;
        decode(Buffer.concat(chunks, size), encoding, req.maxBytes).then(
          (body) => settle(() => resolve({ status, contentType, body })),
          (error: unknown) => settle(() => reject(error)),
        );
      });
      res.on('error', (error) => settle(() => reject(error)));
      res.on('close', () => {
        if (!ended) settle(() => reject(new Error('the connection closed before the whole answer arrived')));
      });
    };

    send(false);
  });
}

/** Reads the (already decompressed) body chunk by chunk and stops as soon as it passes `maxBytes`. */
async function readFetchBody(res: Response, maxBytes: number): Promise<string | undefined> {
  if (res.body === null) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return Buffer.concat(chunks, size).toString('utf8');
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
}

async function viaFetch(req: BoundedRequest, fetchImpl: typeof fetch): Promise<BoundedAnswer> {
  const limit = deadline(req.timeout, [req.signal]);
  const { signal } = limit;
  try {
    // abortable(): an injected fetch may ignore the signal; the wait (and the request's rate slot) ends anyway.
    const res = await abortable(
      fetchImpl(req.url, {
        method: req.method,
        headers: req.headers,
        redirect: 'manual',
        signal,
        ...(req.body === undefined ? {} : { body: req.body }),
      }),
      signal,
    );
    const contentType = (res.headers.get('content-type') ?? '').toLowerCase();
    const declared = Number(res.headers.get('content-length') ?? '');
    // fetch decompresses, so a declared length only bounds an uncompressed body.
    if (Number.isFinite(declared) && declared > req.maxBytes && (res.headers.get('content-encoding') ?? '') === '') {
      await res.body?.cancel().catch(() => undefined);
      return { status: res.status, contentType, body: undefined };
    }
    const body = await abortable(readFetchBody(res, req.maxBytes), signal);
    return { status: res.status, contentType, body };
  } catch (error) {
    if (limit.timedOut) throw new ExchangeTimeout(req.timeout);
    throw error;
  } finally {
    limit.dispose();
  }
}

/**
 * Sends one request and reads its answer up to `maxBytes` (decompressed: gzip, deflate, br), never
 * following a redirect. A body past the limit is not read further and comes back as `undefined`, so a
 * huge answer or a gzip bomb costs at most the limit in memory.
 *
 * @throws {@link ExchangeTimeout} past `timeout`, `signal.reason` once the signal aborts (both also
 * when an injected fetch ignores its signal); otherwise the transport's own error (refused
 * connection, reset, undecodable body), for the caller to classify.
 */
export async function boundedExchange(req: BoundedRequest): Promise<BoundedAnswer> {
  req.signal?.throwIfAborted();
  return req.fetch === undefined ? viaNode(req) : viaFetch(req, req.fetch);
}
