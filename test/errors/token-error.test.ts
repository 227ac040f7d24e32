import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { TokenError, TokenErrorCode, isTokenError } from '../../src/errors/token-error.js';

describe('TokenError', () => {
  it('has stable codes', () => {
    expect(Object.values(TokenErrorCode).sort()).toEqual([
      'TOKEN_HTTP_STATUS', 'TOKEN_INVALID_RESPONSE', 'TOKEN_MISSING', 'TOKEN_NETWORK', 'TOKEN_REJECTED', 'TOKEN_TIMEOUT',
    ]);
  });

  it('keeps status, provider error and cause, and redacts secrets from its message', () => {
    const cause = new Error('socket hang up');
    const err = new TokenError('exchange failed for body client_secret=s3cr3t&code=c0de', {
      code: TokenErrorCode.Rejected, status: 400, providerError: 'invalid_request', cause,
    });
    expect(err.message).not.toContain('s3cr3t');
    expect(err.message).not.toContain('c0de');
    expect(inspect(err)).not.toContain('s3cr3t');
    expect(err.status).toBe(400);
    expect(err.providerError).toBe('invalid_request');
    expect(err.cause).toBe(cause);
    expect(err.code).toBe('TOKEN_REJECTED');
    expect(isTokenError(err)).toBe(true);
    expect(isTokenError(cause)).toBe(false);
  });
});
