import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TOKEN_ERROR_STATUS, TokenError, TokenErrorCode, isTokenError } from '../../src/errors/token-error.js';

describe('TokenError', () => {
  it('has stable codes', () => {
    expect(Object.values(TokenErrorCode).sort()).toEqual([
      'TOKEN_HTTP_STATUS', 'TOKEN_INVALID_RESPONSE', 'TOKEN_MALFORMED', 'TOKEN_MISSING', 'TOKEN_NETWORK', 'TOKEN_REFRESH_UNSUPPORTED',
      'TOKEN_REJECTED', 'TOKEN_TIMEOUT', 'TOKEN_TOO_LARGE',
    ]);
    // Every code has the status an app answers with.
    expect(Object.keys(TOKEN_ERROR_STATUS).sort()).toEqual(Object.values(TokenErrorCode).sort());
  });

  it('answers with its own status, keeping the endpoint status as providerStatus', () => {
    const rejected = new TokenError('refused', { code: TokenErrorCode.Rejected, providerStatus: 400 });
    expect([rejected.status, rejected.statusCode, rejected.providerStatus]).toEqual([502, 502, 400]);
    expect(new TokenError('slow', { code: TokenErrorCode.Timeout }).status).toBe(504);
    expect(new TokenError('refresh', { code: TokenErrorCode.RefreshUnsupported }).status).toBe(501);
  });

  it('keeps status, provider error and cause, and redacts secrets from its message', () => {
    const cause = new Error('socket hang up');
    const err = new TokenError('exchange failed for body client_secret=s3cr3t&code=c0de', {
      code: TokenErrorCode.Rejected, providerStatus: 400, providerError: 'invalid_request', cause,
    });
    expect(err.message).not.toContain('s3cr3t');
    expect(err.message).not.toContain('c0de');
    expect(inspect(err)).not.toContain('s3cr3t');
    expect(err.providerStatus).toBe(400);
    expect(err.providerError).toBe('invalid_request');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe('TOKEN_REJECTED');
    expect(isTokenError(err)).toBe(true);
    expect(isTokenError(cause)).toBe(false);
  });
});
