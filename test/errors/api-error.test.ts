import { describe, expect, it } from 'vitest';
import { ApiErrorCode, StackExchangeApiError, isStackExchangeApiError, statusForErrorId } from '../../src/errors/api-error.js';
import { isStackExchangeError } from '../../src/errors/stackexchange-error.js';

describe('StackExchangeApiError', () => {
  it.each([
    [400, 502], [401, 401], [402, 401], [403, 403], [404, 502], [405, 502], [406, 401],
    [407, 502], [409, 502], [500, 502], [502, 429], [503, 503],
  ])('maps error_id %i to HTTP %i', (errorId, status) => {
    expect(statusForErrorId(errorId)).toBe(status);
    const err = new StackExchangeApiError('x', { errorId, errorName: 'n', method: '/me' });
    expect(err.status).toBe(status);
    expect(err.statusCode).toBe(status);
    expect(err.isTokenRejected).toBe(status === 401);
  });

  it('carries its fields, a stable code and a redacted message', () => {
    const err = new StackExchangeApiError('failed GET /2.3/me?key=abc&access_token=tok', {
      errorId: 402, errorName: 'invalid_access_token', method: '/me', httpStatus: 400, backoff: 5,
    });
    expect(err.code).toBe('API_ERROR');
    expect(err.name).toBe('StackExchangeApiError');
    expect(err.message).toBe('failed GET /2.3/me?key=[REDACTED]&access_token=[REDACTED]');
    expect([err.errorName, err.method, err.httpStatus, err.backoff]).toEqual(['invalid_access_token', '/me', 400, 5]);
    expect(isStackExchangeApiError(err)).toBe(true);
    expect(isStackExchangeError(err)).toBe(true);
    expect(isStackExchangeApiError(new Error('x'))).toBe(false);
  });
});

describe('StackExchangeApiError refusals', () => {
  it('carries retryAfter as whole seconds and the Retry-After header Express sends', () => {
    const err = new StackExchangeApiError('banned', { errorId: 502, errorName: 'throttle_violation', method: '/me', code: ApiErrorCode.Throttled, retryAfter: 12.2 });
    expect([err.code, err.status, err.retryAfter, err.headers]).toEqual(['API_THROTTLED', 429, 13, { 'Retry-After': '13' }]);
  });

  it('takes an explicit status, and has no headers without retryAfter', () => {
    const err = new StackExchangeApiError('banned for an unknown time', { errorId: 502, errorName: 'throttle_violation', method: '/me', status: 503 });
    expect([err.code, err.status, err.statusCode, err.retryAfter, err.headers]).toEqual(['API_ERROR', 503, 503, undefined, undefined]);
    const quota = new StackExchangeApiError('quota', { errorId: 502, errorName: 'throttle_violation', method: '/me', code: ApiErrorCode.QuotaExhausted, retryAfter: 3600 });
    expect([quota.code, quota.headers]).toEqual(['QUOTA_EXHAUSTED', { 'Retry-After': '3600' }]);
  });
});
