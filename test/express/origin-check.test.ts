import { describe, expect, it } from 'vitest';
import { isSameOriginRequest, originOf } from '../../src/express/origin-check.js';

const APP = 'https://app.example';

describe('originOf', () => {
  it('gives the origin of absolute URLs only', () => {
    expect(originOf('https://app.example/auth/callback?x=1')).toBe(APP);
    expect(originOf('http://localhost:3000/a')).toBe('http://localhost:3000');
    expect(originOf('/relative')).toBeUndefined();
    expect(originOf('data:text/plain,x')).toBeUndefined();
  });
});

describe('isSameOriginRequest', () => {
  it('accepts the app origin in Origin', () => {
    expect(isSameOriginRequest({ origin: APP }, APP)).toBe(true);
  });

  it('refuses another Origin even when the Referer matches', () => {
    expect(isSameOriginRequest({ origin: 'https://evil.example', referer: `${APP}/page` }, APP)).toBe(false);
    expect(isSameOriginRequest({ origin: 'https://app.example.evil.example' }, APP)).toBe(false);
    expect(isSameOriginRequest({ origin: 'http://app.example' }, APP)).toBe(false);
  });

  it('refuses an opaque origin', () => {
    expect(isSameOriginRequest({ origin: 'null', referer: `${APP}/` }, APP)).toBe(false);
  });

  it('falls back to the Referer origin', () => {
    expect(isSameOriginRequest({ referer: `${APP}/settings?x=1` }, APP)).toBe(true);
    expect(isSameOriginRequest({ referer: 'https://evil.example/?https://app.example' }, APP)).toBe(false);
    expect(isSameOriginRequest({ referer: '/relative' }, APP)).toBe(false);
  });

  it('refuses a request with neither header, and ignores Host', () => {
    expect(isSameOriginRequest({}, APP)).toBe(false);
    expect(isSameOriginRequest({ host: 'app.example', 'x-forwarded-host': 'app.example' }, APP)).toBe(false);
  });
});
