import { describe, expect, it } from 'vitest';
import { isStackExchangeError } from '../../src/errors/stackexchange-error.js';
import { RELAY_STORE_UNAVAILABLE, RelayStoreError, isRelayStoreError } from '../../src/relay/relay-store.js';

describe('RelayStoreError', () => {
  it('answers 503 with a stable code and keeps its cause', () => {
    const cause = new Error('ECONNREFUSED');
    const err = new RelayStoreError('the relay store is unavailable', cause);
    expect([err.code, err.status, err.statusCode, err.cause]).toEqual([RELAY_STORE_UNAVAILABLE, 503, 503, cause]);
    expect(RELAY_STORE_UNAVAILABLE).toBe('RELAY_STORE_UNAVAILABLE');
    expect(isRelayStoreError(err)).toBe(true);
    expect(isStackExchangeError(err)).toBe(true);
    expect(isRelayStoreError(cause)).toBe(false);
  });
});
