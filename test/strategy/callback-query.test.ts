import { describe, expect, it } from 'vitest';
import { classifyCallback } from '../../src/strategy/callback-query.js';

function fromUrl(url: string, query: Record<string, unknown> = Object.fromEntries(new URL(url, 'http://x').searchParams)) {
  return classifyCallback({ url, originalUrl: url, query });
}

describe('classifyCallback', () => {
  it('sees a start when there is no code, state or error', () => {
    expect(fromUrl('/auth/login')).toEqual({ kind: 'start' });
    expect(fromUrl('/auth/login?returnTo=%2Fq')).toEqual({ kind: 'start' });
  });

  it('reads a code callback', () => {
    expect(fromUrl('/cb?code=abc&state=xyz')).toEqual({ kind: 'code', code: 'abc', state: 'xyz' });
    expect(fromUrl('/cb?code=abc')).toEqual({ kind: 'code', code: 'abc', state: undefined });
  });

  it('reads an error callback', () => {
    expect(fromUrl('/cb?error=access_denied&error_description=%3Cb%3Eno%3C%2Fb%3E&state=s')).toEqual({ kind: 'error', error: 'access_denied', state: 's' });
  });

  it.each([
    '/cb?code=a&code=b&state=s',
    '/cb?code=a&state=s&state=t',
    '/cb?code=a&state[]=s',
    '/cb?code=a&state%5B%5D=s',
    '/cb?code=a&state[a]=s',
    '/cb?code[x]=a&state=s',
    '/cb?error=access_denied&error=server_error',
    '/cb?error=access_denied&code=a&state=s',
    '/cb?error=&state=s',
    '/cb?state=s',
    '/cb?code=&state=s',
    '/cb?error_description=x&error_description=y&error=access_denied',
  ])('refuses %s', (url) => {
    expect(fromUrl(url).kind).toBe('bad_request');
  });

  it('refuses values a query parser turned into structures', () => {
    const result = classifyCallback({ url: '/cb?code=a&state=s', query: { code: 'a', state: ['s', 't'] } });
    expect(result).toMatchObject({ kind: 'bad_request', message: 'The callback parameter state must appear once' });
  });

  it('refuses OAuth parameters in a body', () => {
    expect(classifyCallback({ url: '/cb?code=a&state=s', query: { code: 'a', state: 's' }, body: { code: 'b' } }).kind).toBe('bad_request');
    expect(classifyCallback({ url: '/cb', query: {}, body: { name: 'x' } }).kind).toBe('start');
  });
});
