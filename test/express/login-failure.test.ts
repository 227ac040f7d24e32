import { describe, expect, it } from 'vitest';
import { TokenError, StackExchangeApiError, StackExchangeAuthorizationError, SessionStoreError, PendingLoginStoreError } from 'passport-stackexchange-oauth2';
import { failureCodeOfError, failureCodeOfInfo, failureLocation, LOGIN_FAILURE_STATUS } from '../../src/express/login-failure.js';

describe('login failures', () => {
  it('maps the strategy fail info to the fixed codes', () => {
    expect(failureCodeOfInfo({ code: 'access_denied', message: 'You declined access' })).toBe('access_denied');
    expect(failureCodeOfInfo({ code: 'invalid_state' })).toBe('invalid_state');
    expect(failureCodeOfInfo({ code: 'bad_request' })).toBe('bad_request');
    // The app's verify refusing the user, or anything unexpected: never passed through.
    expect(failureCodeOfInfo({ code: '<script>' })).toBe('access_denied');
    expect(failureCodeOfInfo(undefined)).toBe('access_denied');
  });

  it('maps the package errors, and leaves the others to the app', () => {
    expect(failureCodeOfError(new TokenError('x', { code: 'TOKEN_HTTP_STATUS', providerStatus: 500 }))).toBe('token_error');
    expect(failureCodeOfError(new StackExchangeAuthorizationError('server_error'))).toBe('token_error');
    // The token was issued: an API failure is the profile's.
    expect(failureCodeOfError(new StackExchangeApiError('x', { errorId: 500, errorName: 'internal_error', method: '/me' }))).toBe('profile_error');
    expect(failureCodeOfError(new SessionStoreError('down'))).toBe('temporarily_unavailable');
    expect(failureCodeOfError(new PendingLoginStoreError('redis down'))).toBe('temporarily_unavailable');
    expect(failureCodeOfError(new Error('the app database is down'))).toBeUndefined();
  });

  it('adds error=<code> to failureRedirect', () => {
    expect(failureLocation('/', 'access_denied')).toBe('/?error=access_denied');
    expect(failureLocation('/login?from=se#top', 'token_error')).toBe('/login?from=se&error=token_error');
    expect(failureLocation('https://app.example/failed', 'invalid_state')).toBe('https://app.example/failed?error=invalid_state');
  });

  it('answers client errors with 4xx and provider trouble with 502/503', () => {
    expect(LOGIN_FAILURE_STATUS).toEqual({ access_denied: 403, invalid_state: 403, bad_request: 400, token_error: 502, profile_error: 502, temporarily_unavailable: 503 });
  });
});
