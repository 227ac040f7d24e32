import type { IncomingMessage } from 'node:http';
import type { RecordedRequest } from './types.js';

/** Parameters as received: a repeated name becomes an array of its values. */
export type Params = Record<string, string | string[]>;

/** A request with its query and form parsed, as the handlers see it. */
export interface Incoming extends RecordedRequest {
  /** The client's address, for per-address rate limits. */
  address: string;
  /** True when the body was `application/x-www-form-urlencoded`. */
  isForm: boolean;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Thrown when a body is larger than the sandbox accepts. */
export class BodyTooLargeError extends Error {}

/** Parses `a=1&b=2&a=3` into `{ a: ['1', '3'], b: '2' }` (form rules: `+` is a space). */
export function parseParams(text: string): Params {
  // No prototype: `__proto__` or `constructor` in a query are parameters like any other, not what every object has.
  const params = Object.create(null) as Params;
  for (const [name, value] of new URLSearchParams(text)) {
    const previous = params[name];
    if (previous === undefined) params[name] = value;
    else if (Array.isArray(previous)) previous.push(value);
    else params[name] = [previous, value];
  }
  return params;
}

/** True when the `Content-Type` is `application/x-www-form-urlencoded` (parameters such as charset allowed). */
export function isFormContentType(contentType: string | undefined): boolean {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/x-www-form-urlencoded';
}

/** Reads the whole body; rejects with {@link BodyTooLargeError} past 1 MiB. */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        // Drain the rest without keeping it, so that the 413 answer can still be sent.
        req.off('data', onData);
        req.resume();
        reject(new BodyTooLargeError('body too large'));
        return;
      }
      chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Reads and parses a request into an {@link Incoming}, timed by `clock`. */
export async function parseIncoming(req: IncomingMessage, clock: () => number): Promise<Incoming> {
  const target = req.url ?? '/';
  const q = target.indexOf('?');
  const path = q === -1 ? target : target.slice(0, q);
  const query = q === -1 ? {} : parseParams(target.slice(q + 1));
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const body = hasBody ? await readBody(req) : '';
  const isForm = isFormContentType(req.headers['content-type']);
  return {
    method: (req.method ?? 'GET').toUpperCase(),
    path,
    query,
    form: isForm ? parseParams(body) : null,
    headers: req.headers,
    time: clock(),
    address: req.socket.remoteAddress ?? 'unknown',
    isForm,
  };
}

/** The single value of a parameter; `undefined` when absent, `null` when repeated. */
export function single(params: Params | null, name: string): string | undefined | null {
  const value = params?.[name];
  if (Array.isArray(value)) return null;
  return value;
}

/** The name of the first parameter sent more than once, if any. */
export function firstRepeated(params: Params | null): string | undefined {
  return Object.entries(params ?? {}).find(([, v]) => Array.isArray(v))?.[0];
}
