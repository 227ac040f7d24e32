import { describe, expect, it } from 'vitest';
import { parseResponse } from '../../src/api/parse-response.js';
import { StackExchangeApiError } from '../../src/errors/api-error.js';
import { StackExchangeNetworkError } from '../../src/errors/network-error.js';

describe('parseResponse', () => {
  it('maps the wrapper to camelCase and keeps it as raw', () => {
    const body = { items: [{ a: 1 }], has_more: true, quota_max: 10000, quota_remaining: 9990, backoff: 10 };
    expect(parseResponse({ status: 200, body }, '/me')).toEqual({ items: [{ a: 1 }], hasMore: true, quotaMax: 10000, quotaRemaining: 9990, backoff: 10, raw: body });
  });

  it('leaves backoff out when absent and tolerates filters without items or quota', () => {
    const answer = parseResponse({ status: 200, body: { total: 5 } }, '/questions');
    expect(answer).not.toHaveProperty('backoff');
    expect(answer.items).toEqual([]);
    expect(answer.hasMore).toBe(false);
    expect(answer.quotaMax).toBeNaN();
  });

  it('turns an error wrapper into a StackExchangeApiError', () => {
    const body = { error_id: 407, error_name: 'write_failed', error_message: 'too fast', backoff: 5 };
    let error: unknown;
    try {
      parseResponse({ status: 400, body }, '/questions/{id}/upvote');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackExchangeApiError);
    expect(error).toMatchObject({
      errorId: 407,
      errorName: 'write_failed',
      method: '/questions/{id}/upvote',
      httpStatus: 400,
      backoff: 5,
      status: 502,
      code: 'API_ERROR',
      message: '/questions/{id}/upvote: too fast (write_failed, error_id 407)',
    });
  });

  it('redacts secrets Stack Exchange echoes in error messages', () => {
    const body = { error_id: 400, error_name: 'bad_parameter', error_message: 'key=abc is not valid, access_token=zzz' };
    expect(() => parseResponse({ status: 400, body }, '/me')).toThrow('/me: key=[REDACTED] is not valid, access_token=[REDACTED] (bad_parameter, error_id 400)');
  });

  it('refuses bodies that are not a wrapper', () => {
    for (const body of [null, [], 'x', 3, { items: 'nope' }]) {
      expect(() => parseResponse({ status: 200, body }, '/me'), JSON.stringify(body)).toThrow(StackExchangeNetworkError);
      // A bad gateway, not an unreachable one.
      expect(() => parseResponse({ status: 200, body }, '/me')).toThrow(expect.objectContaining({ status: 502, code: 'NETWORK_FAILED' }));
    }
    expect(() => parseResponse({ status: 500, body: { items: [] } }, '/me')).toThrow(/HTTP 500 without an error wrapper/);
  });
});
