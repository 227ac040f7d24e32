import { describe, expect, it } from 'vitest';
import { ApiRequestLog, requestIdentity } from '../../src/sandbox/request-log.js';

describe('requestIdentity', () => {
  it('ignores parameter order and keeps every value, key and token included', () => {
    expect(requestIdentity('GET', '/2.3/me', { site: 'so', key: 'k', access_token: 't' })).toBe(requestIdentity('GET', '/2.3/me', { access_token: 't', key: 'k', site: 'so' }));
    expect(requestIdentity('GET', '/2.3/me', { key: 'k', access_token: 't' })).not.toBe(requestIdentity('GET', '/2.3/me', { key: 'k', access_token: 'u' }));
    expect(requestIdentity('GET', '/2.3/me', { a: ['1', '2'] })).toBe(requestIdentity('GET', '/2.3/me', { a: ['2', '1'] }));
    expect(requestIdentity('GET', '/2.3/me', {})).not.toBe(requestIdentity('POST', '/2.3/me', {}));
  });
});

describe('ApiRequestLog', () => {
  it('records an identical request less than 60 s after the previous identical one', () => {
    const log = new ApiRequestLog();
    log.record('GET', '/2.3/me', { key: 'k' }, 0);
    log.record('GET', '/2.3/me', { key: 'k' }, 59_999);
    log.record('GET', '/2.3/me', { key: 'k' }, 119_998);
    // Exactly 60 s after the previous identical one: allowed.
    log.record('GET', '/2.3/me', { key: 'k' }, 179_998);
    expect(log.duplicates).toEqual([
      { method: 'GET', path: '/2.3/me', params: { key: 'k' }, time: 59_999, previousTime: 0 },
      { method: 'GET', path: '/2.3/me', params: { key: 'k' }, time: 119_998, previousTime: 59_999 },
    ]);
  });

  it('keeps the peak of any one-second window, out-of-order arrivals included', () => {
    const log = new ApiRequestLog();
    for (const t of [0, 100, 200, 999, 1000, 1001, 1500, 1200]) log.record('GET', `/2.3/x${t}`, {}, t);
    // (500, 1500] holds 999, 1000, 1001, 1200 (arrived late) and 1500; every earlier window holds 4.
    expect(log.peak).toBe(5);
    expect(log.total).toBe(8);
    log.reset();
    expect(log.peak).toBe(0);
    expect(log.total).toBe(0);
    expect(log.duplicates).toEqual([]);
  });
});
