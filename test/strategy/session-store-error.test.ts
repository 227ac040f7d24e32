import { describe, expect, it } from 'vitest';
import { SessionStoreError, StackExchangeError, isSessionStoreError } from 'passport-stackexchange-oauth2';

describe('SessionStoreError', () => {
  it('has code SESSION_STORE, status 503 and keeps the cause', () => {
    const cause = new Error('ECONNREFUSED 127.0.0.1:6379');
    const err = new SessionStoreError('The session store could not save the pending login', { cause });
    expect(err).toBeInstanceOf(StackExchangeError);
    expect(err).toMatchObject({ name: 'SessionStoreError', code: 'SESSION_STORE', status: 503, statusCode: 503 });
    expect(err.cause).toBe(cause);
    expect(isSessionStoreError(err)).toBe(true);
    expect(isSessionStoreError(new Error('x'))).toBe(false);
  });
});
