import { describe, expect, it } from 'vitest';
import { AUTHORIZATION_ERROR_TYPES, StackExchangeAuthorizationError, isStackExchangeAuthorizationError } from 'passport-stackexchange-oauth2';

describe('StackExchangeAuthorizationError', () => {
  it.each(AUTHORIZATION_ERROR_TYPES)('keeps the standard error %s', (type) => {
    const err = new StackExchangeAuthorizationError(type);
    expect(err).toMatchObject({ code: 'AUTHORIZATION_ERROR', providerError: type });
    expect(err.status).toBe(type === 'server_error' || type === 'temporarily_unavailable' ? 503 : 502);
    expect(isStackExchangeAuthorizationError(err)).toBe(true);
  });

  it.each(['<script>alert(1)</script>', 'access_denied ', 'x'.repeat(5000), 42, undefined])('maps anything else (%j) to unknown, never echoing it', (type) => {
    const err = new StackExchangeAuthorizationError(type);
    expect(err.providerError).toBe('unknown');
    expect(err.message).toBe('Stack Exchange refused the authorization request (unknown)');
    expect(err.status).toBe(502);
  });
});
