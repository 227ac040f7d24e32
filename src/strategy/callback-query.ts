/** The OAuth parameters of a callback that must each appear at most once, as plain strings. */
const OAUTH_PARAMS = ['code', 'state', 'error', 'error_description', 'error_uri'] as const;
const STRUCTURED = /^(?:code|state|error|error_description|error_uri)\[/;

/** What a request to the strategy is, judged from its OAuth parameters. */
export type CallbackRequest =
  /** No `code`, `state` or `error`: the start of a login. */
  | { kind: 'start' }
  /** Repeated, structured, misplaced or missing OAuth parameters. */
  | { kind: 'bad_request'; message: string }
  /** Stack Exchange redirected back with an OAuth error (`access_denied` or another). */
  | { kind: 'error'; error: string; state: string | undefined }
  /** Stack Exchange redirected back with a code. */
  | { kind: 'code'; code: string; state: string | undefined };

/** The request fields the check reads (an Express request fits). */
export interface CallbackRequestLike {
  url?: string;
  originalUrl?: string;
  query?: unknown;
  body?: unknown;
}

/**
 * The request's raw query string, parsed without the app's query parser (which may hide repeated or
 * structured parameters); a fragment sent along is left out.
 */
export function rawQuery(req: Pick<CallbackRequestLike, 'url' | 'originalUrl'>): URLSearchParams {
  const url = req.originalUrl ?? req.url ?? '';
  const mark = url.indexOf('?');
  return new URLSearchParams(mark === -1 ? '' : url.slice(mark + 1).split('#')[0]);
}

function bad(message: string): CallbackRequest {
  return { kind: 'bad_request', message };
}

/**
 * Classifies a request to the strategy's routes by its OAuth parameters, independently of the app's
 * query parser: the raw query string is read as well as `req.query`. `?code=a&code=b`, `state[]=`,
 * `state[a]=`, non-string values, OAuth parameters in the body, `error` together with `code`, and a
 * callback with a `state` but no `code` are `bad_request`.
 */
export function classifyCallback(req: CallbackRequestLike): CallbackRequest {
  const raw = rawQuery(req);
  for (const key of raw.keys()) {
    if (STRUCTURED.test(key)) return bad(`The callback parameter ${key.slice(0, key.indexOf('['))} must be a single value`);
  }
  const values: Partial<Record<(typeof OAUTH_PARAMS)[number], string>> = {};
  const query = typeof req.query === 'object' && req.query !== null ? (req.query as Record<string, unknown>) : {};
  for (const name of OAUTH_PARAMS) {
    const all = raw.getAll(name);
    const parsed = query[name];
    if (all.length > 1 || (parsed !== undefined && typeof parsed !== 'string')) {
      return bad(`The callback parameter ${name} must appear once`);
    }
    const value = all[0] ?? (typeof parsed === 'string' ? parsed : undefined);
    if (value !== undefined) values[name] = value;
  }
  if (typeof req.body === 'object' && req.body !== null) {
    const body = req.body as Record<string, unknown>;
    if (OAUTH_PARAMS.some((name) => body[name] !== undefined)) return bad('OAuth parameters are only accepted in the query string');
  }

  const { code, state, error } = values;
  if (code === undefined && state === undefined && error === undefined) return { kind: 'start' };
  if (error !== undefined) {
    if (code !== undefined) return bad('The callback carries both an error and a code');
    if (error === '') return bad('The callback parameter error is empty');
    return { kind: 'error', error, state };
  }
  if (code === undefined || code === '') return bad('The callback has no authorization code');
  return { kind: 'code', code, state };
}
