import type { ServerResponse } from 'node:http';
import { codeChallengeS256, isCodeVerifier } from '../util/pkce.js';
import { splitScopeList } from '../util/scope-list.js';
import { consentPage } from './consent-page.js';
import { takeTokenFault, type SandboxContext } from './context.js';
import { errorPage, layout, sendHtml } from './html.js';
import { firstRepeated, single, type Incoming } from './incoming.js';
import { SCOPES, type ConsentTransaction } from './state.js';
import type { SandboxClient } from './types.js';

/** The path of the sandbox's stand-in for `https://stackexchange.com/oauth/login_success`. */
export const LOGIN_SUCCESS_PATH = '/oauth/login_success';

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** An OAuth error to send back to the app through its (validated) redirect_uri. */
class RedirectError extends Error {
  readonly error: string;

  constructor(error: string, description: string) {
    super(description);
    this.error = error;
  }
}

/** Splits a scope parameter (comma- or space-separated); throws {@link RedirectError} on an unknown scope. */
function parseScope(value: string | undefined): string[] {
  const scopes = [...new Set(splitScopeList(value ?? ''))];
  const unknown = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new RedirectError('invalid_scope', `unknown scope: ${unknown.join(', ')}`);
  return scopes;
}

/** True when the redirect_uri is under the app's domain (the host or a subdomain) or is the sandbox's login_success page. */
function isAllowedRedirect(redirectUri: URL, client: SandboxClient, sandboxUrl: string): boolean {
  if (redirectUri.origin === new URL(sandboxUrl).origin && redirectUri.pathname === LOGIN_SUCCESS_PATH) return true;
  if (redirectUri.protocol !== 'http:' && redirectUri.protocol !== 'https:') return false;
  const host = redirectUri.hostname.toLowerCase();
  const domain = client.domain.toLowerCase();
  return host === domain || host.endsWith(`.${domain}`);
}

/** Appends parameters to the query (code grant) or the fragment (implicit grant) of the redirect_uri. */
function redirectWith(res: ServerResponse, redirectUri: string, flow: ConsentTransaction['flow'], values: Record<string, string>, state: string | null): void {
  const params = new URLSearchParams(values);
  if (state !== null) params.set('state', state);
  const location = flow === 'implicit' ? `${redirectUri}#${params}` : `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${params}`;
  res.writeHead(302, { Location: location, 'Cache-Control': 'no-store', 'Referrer-Policy': 'no-referrer', 'Content-Length': 0 });
  res.end();
}

/** Approves a transaction as `accountId`: a code (code grant) or a token (implicit grant) goes back to the app. */
function approve(ctx: SandboxContext, res: ServerResponse, tx: Omit<ConsentTransaction, 'expiresAt'>, accountId: number): void {
  if (tx.flow === 'implicit') {
    const record = ctx.state.issueToken(tx.clientId, accountId, tx.scope);
    const values: Record<string, string> = { access_token: record.token };
    if (record.expiresAt !== null) values.expires = String(ctx.state.tokenLifetimeSeconds);
    redirectWith(res, tx.redirectUri, 'implicit', values, tx.state);
    return;
  }
  const code = ctx.state.issueCode({ clientId: tx.clientId, redirectUri: tx.redirectUri, accountId, scope: tx.scope, challenge: tx.challenge });
  redirectWith(res, tx.redirectUri, 'code', { code }, tx.state);
}

/**
 * `GET /oauth` (code grant) and `GET /oauth/dialog` (implicit grant). An unknown app or a
 * redirect_uri outside its domain gets an HTML error page and no redirect; other errors are sent
 * to the redirect_uri (`invalid_scope`, `invalid_request`); otherwise the consent page, or an
 * immediate approval with the `autoApprove` option.
 */
export function handleAuthorize(ctx: SandboxContext, inc: Incoming, res: ServerResponse, flow: ConsentTransaction['flow']): void {
  if (inc.method !== 'GET' && inc.method !== 'HEAD') {
    sendHtml(res, 405, errorPage('Method not allowed', 'The authorization endpoint is opened with GET.'));
    return;
  }
  const repeated = firstRepeated(inc.query);
  if (repeated !== undefined) {
    sendHtml(res, 400, errorPage('Invalid request', `The parameter ${repeated} was sent more than once.`));
    return;
  }
  const q = inc.query as Record<string, string>;
  const clientId = q.client_id;
  if (clientId === undefined || clientId === '') {
    sendHtml(res, 400, errorPage('Invalid request', 'client_id not provided'));
    return;
  }
  const client = ctx.clientsById.get(clientId);
  if (!client) {
    sendHtml(res, 400, errorPage('Unknown application', `No application is registered with client_id ${clientId}.`));
    return;
  }
  const redirectUri = q.redirect_uri;
  if (redirectUri === undefined || redirectUri === '') {
    sendHtml(res, 400, errorPage('Invalid request', 'redirect_uri not provided'));
    return;
  }
  // What is checked must be what is redirected to: the URL parser drops tabs and newlines, which the
  // Location header would then carry (Node refuses it: a 500 after a code was issued).
  if (!/^[\x21-\x7e]+$/.test(redirectUri)) {
    sendHtml(res, 400, errorPage('Invalid redirect_uri', 'redirect_uri must be printable ASCII without spaces (percent-encode the rest).'));
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(redirectUri);
  } catch {
    sendHtml(res, 400, errorPage('Invalid redirect_uri', 'redirect_uri is not an absolute URL.'));
    return;
  }
  if (parsed.hash !== '' || redirectUri.includes('#')) {
    sendHtml(res, 400, errorPage('Invalid redirect_uri', 'redirect_uri must not contain a fragment.'));
    return;
  }
  if (!isAllowedRedirect(parsed, client, ctx.url)) {
    sendHtml(res, 400, errorPage('Invalid redirect_uri', `redirect_uri is not under the application's OAuth domain (${client.domain}).`));
    return;
  }
  const state = q.state ?? null;
  let tx: Omit<ConsentTransaction, 'expiresAt'>;
  try {
    tx = { flow, clientId, redirectUri, scope: parseScope(q.scope), state, challenge: flow === 'code' ? parseChallenge(q) : null };
    const expected = flow === 'code' ? 'code' : 'token';
    if (q.response_type !== undefined && q.response_type !== expected) {
      throw new RedirectError('unsupported_response_type', `response_type must be ${expected} here`);
    }
  } catch (err) {
    if (!(err instanceof RedirectError)) throw err;
    redirectWith(res, redirectUri, flow, { error: err.error, error_description: err.message }, state);
    return;
  }
  if (ctx.autoApprove !== undefined) {
    approve(ctx, res, tx, ctx.autoApprove);
    return;
  }
  const transaction = ctx.state.openTransaction(tx);
  sendHtml(res, 200, consentPage({ client, redirectUri, scope: tx.scope, users: ctx.users, transaction }));
}

// Only S256: `plain` (or a challenge without a method, which RFC 7636 reads as plain) is refused.
function parseChallenge(q: Record<string, string>): string | null {
  const challenge = q.code_challenge;
  const method = q.code_challenge_method;
  if (challenge === undefined && method === undefined) return null;
  if (method !== 'S256') throw new RedirectError('invalid_request', 'code_challenge_method must be S256 (plain is not supported)');
  if (challenge === undefined || !S256_CHALLENGE.test(challenge)) {
    throw new RedirectError('invalid_request', 'code_challenge must be 43 base64url characters (S256)');
  }
  return challenge;
}

/** `POST /oauth/consent`: the person's Approve or Reject on the consent page. */
export function handleConsent(ctx: SandboxContext, inc: Incoming, res: ServerResponse): void {
  if (inc.method !== 'POST' || !inc.form) {
    sendHtml(res, 400, errorPage('Invalid request', 'The consent form must be posted.'));
    return;
  }
  const id = single(inc.form, 'tx');
  const tx = typeof id === 'string' ? ctx.state.takeTransaction(id) : undefined;
  if (!tx) {
    sendHtml(res, 400, errorPage('Request expired', 'This authorization request has expired or was already answered. Start again from the application.'));
    return;
  }
  const decision = single(inc.form, 'decision');
  if (decision === 'reject') {
    redirectWith(res, tx.redirectUri, tx.flow, { error: 'access_denied', error_description: 'The user declined to authorize the application' }, tx.state);
    return;
  }
  const accountId = Number(single(inc.form, 'account_id'));
  if (decision !== 'approve' || !ctx.usersById.has(accountId)) {
    sendHtml(res, 400, errorPage('Invalid request', 'Choose an account and press Approve or Reject.'));
    return;
  }
  approve(ctx, res, tx, accountId);
}

/** `GET /oauth/login_success`: where apps without a domain are sent; the token or code is in the URL. */
export function handleLoginSuccess(res: ServerResponse): void {
  sendHtml(res, 200, layout('Authorizing application', '<h1>Authorization complete</h1><p>You may close this window.</p>'));
}

/** A token endpoint error: HTTP 400 `{"error":{"type","message"}}`. */
class TokenEndpointError extends Error {
  readonly type: string;
  readonly status: number;

  constructor(type: string, message: string, status = 400) {
    super(message);
    this.type = type;
    this.status = status;
  }
}

function sendToken(res: ServerResponse, format: 'json' | 'form', status: number, values: Record<string, unknown>): void {
  const body = format === 'json'
    ? JSON.stringify(values)
    : new URLSearchParams(Object.entries(values).map(([k, v]) => [k, String(v)])).toString();
  const buffer = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': format === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded; charset=utf-8',
    'Content-Length': buffer.length,
    'Cache-Control': 'no-store',
    Pragma: 'no-cache',
  });
  res.end(buffer);
}

function sendTokenError(res: ServerResponse, err: TokenEndpointError): void {
  const body = Buffer.from(JSON.stringify({ error: { type: err.type, message: err.message } }), 'utf8');
  res.writeHead(err.status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
  res.end(body);
}

/** Applies a token-endpoint fault; true when the request has been dealt with. */
function applyTokenFault(ctx: SandboxContext, res: ServerResponse, format: 'json' | 'form'): boolean {
  const fault = takeTokenFault(ctx);
  switch (fault) {
    case undefined:
      return false;
    case 'hang':
      // Never answered; close() destroys the socket.
      return true;
    case '500':
      sendHtml(res, 500, layout('Internal server error', '<h1>Oops! Something bad happened.</h1>'));
      return true;
    case 'html':
      sendHtml(res, 200, layout('Log in - Stack Exchange', '<h1>Log in</h1><p>Please log in to continue.</p>'));
      return true;
    case 'no-token':
      sendToken(res, format, 200, { expires: ctx.state.tokenLifetimeSeconds });
      return true;
  }
}

/**
 * `POST /oauth/access_token/json` (JSON answer) and `POST /oauth/access_token` (form-encoded
 * answer). Errors are JSON `{"error":{"type","message"}}` with HTTP 400 on both endpoints.
 */
export function handleToken(ctx: SandboxContext, inc: Incoming, res: ServerResponse, format: 'json' | 'form'): void {
  try {
    if (inc.method !== 'POST') throw new TokenEndpointError('invalid_request', 'the token endpoint only accepts POST', 405);
    if (applyTokenFault(ctx, res, format)) return;
    const record = exchange(ctx, inc);
    const answer: Record<string, unknown> = { access_token: record.token };
    if (record.expiresAt !== null) answer.expires = ctx.state.tokenLifetimeSeconds;
    sendToken(res, format, 200, answer);
  } catch (err) {
    if (!(err instanceof TokenEndpointError)) throw err;
    sendTokenError(res, err);
  }
}

function exchange(ctx: SandboxContext, inc: Incoming): ReturnType<SandboxContext['state']['issueToken']> {
  if (!inc.isForm || !inc.form) {
    throw new TokenEndpointError('invalid_request', 'the request body must be application/x-www-form-urlencoded');
  }
  const repeated = firstRepeated(inc.form);
  if (repeated !== undefined) throw new TokenEndpointError('invalid_request', `${repeated} was sent more than once`);
  const f = inc.form as Record<string, string>;
  if (f.client_id === undefined || f.client_id === '') throw new TokenEndpointError('invalid_request', 'client_id not provided');
  const client = ctx.clientsById.get(f.client_id);
  if (!client) throw new TokenEndpointError('invalid_client', 'client_id is not a registered application');
  if (f.client_secret !== undefined) {
    if (f.client_secret === '') throw new TokenEndpointError('invalid_client', 'client_secret is empty; a public client must not send the field');
    if (f.client_secret !== client.clientSecret) throw new TokenEndpointError('invalid_client', 'client_secret does not match the client_id');
  }
  if (f.grant_type !== undefined && f.grant_type !== 'authorization_code') {
    throw new TokenEndpointError('unsupported_grant_type', 'grant_type must be authorization_code');
  }
  if (f.code === undefined || f.code === '') throw new TokenEndpointError('invalid_request', 'code not provided');
  const grant = ctx.state.code(f.code);
  if (!grant) throw new TokenEndpointError('invalid_grant', 'code is invalid');
  if (grant.used) {
    // RFC 6749 §10.5: a replayed code may be stolen; revoke what it produced.
    for (const token of grant.tokens) ctx.state.revoke(token);
    throw new TokenEndpointError('invalid_grant', 'code has already been used; the tokens issued from it are revoked');
  }
  if (grant.clientId !== client.clientId) throw new TokenEndpointError('invalid_grant', 'code was issued to another client');
  if (ctx.state.isCodeExpired(grant)) throw new TokenEndpointError('invalid_grant', 'code has expired');
  if (f.redirect_uri === undefined || f.redirect_uri === '') throw new TokenEndpointError('invalid_request', 'redirect_uri not provided');
  if (f.redirect_uri !== grant.redirectUri) {
    throw new TokenEndpointError('2', 'redirect_uri does not match the uri used to create the passed code');
  }
  if (grant.challenge !== null) {
    if (f.code_verifier === undefined) throw new TokenEndpointError('invalid_grant', 'code_verifier not provided');
    if (!isCodeVerifier(f.code_verifier)) throw new TokenEndpointError('invalid_request', 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~');
    if (codeChallengeS256(f.code_verifier) !== grant.challenge) {
      throw new TokenEndpointError('invalid_grant', 'code_verifier does not match the code_challenge');
    }
  } else {
    // RFC 9700 §2.1.1: a verifier for a code issued without a challenge is a downgrade attempt.
    if (f.code_verifier !== undefined) throw new TokenEndpointError('invalid_request', 'code_verifier sent but the code was issued without a code_challenge');
    if (f.client_secret === undefined) throw new TokenEndpointError('invalid_client', 'client_secret not provided (required without PKCE)');
  }
  grant.used = true;
  const record = ctx.state.issueToken(client.clientId, grant.accountId, grant.scope);
  grant.tokens.push(record.token);
  return record;
}
