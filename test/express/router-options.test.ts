import passport from 'passport';
import { describe, expect, it } from 'vitest';
import { AUTH_DEFAULTS, resolveAuthOptions } from '../../src/express/router-options.js';
import type { StackExchangeAuthOptions } from '../../src/express/router-options.js';

describe('resolveAuthOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveAuthOptions();
    expect(resolved).toMatchObject({
      strategy: 'stackexchange',
      basePath: '/auth',
      successRedirect: '/',
      failureRedirect: '/',
      logoutRedirect: '/',
      allowedReturnTo: undefined,
      scopes: [],
      origin: undefined,
      cookieName: 'connect.sid',
      logoutTimeout: 3000,
      client: {},
    });
    expect(resolved.passport).toBe(passport);
    expect(AUTH_DEFAULTS.basePath).toBe('/auth');
  });

  it('keeps valid options', () => {
    const instance = new passport.Passport();
    const resolved = resolveAuthOptions({
      strategy: 'se',
      passport: instance,
      basePath: '/login/se',
      successRedirect: 'https://app.example/welcome',
      failureRedirect: '/failed?from=se',
      allowedReturnTo: ['/app'],
      scopes: 'read_inbox,no_expiry',
      origin: 'https://app.example',
      cookieName: 'sid',
      logoutTimeout: 500,
      client: { site: 'math' },
    });
    expect(resolved).toMatchObject({ strategy: 'se', basePath: '/login/se', scopes: ['read_inbox', 'no_expiry'], origin: 'https://app.example', cookieName: 'sid' });
    expect(resolved.passport).toBe(instance);
  });

  it.each<[string, StackExchangeAuthOptions | Record<string, unknown>, RegExp]>([
    ['unknown option', { basepath: '/auth' }, /options\.basepath is not an option/],
    ['empty strategy', { strategy: '' }, /options\.strategy .*e\.g\. strategy: 'stackexchange'/],
    ['passport not an instance', { passport: {} }, /options\.passport must be a passport instance/],
    ['basePath without slash', { basePath: 'auth' }, /options\.basePath .*e\.g\. basePath: '\/auth'/],
    ['basePath with trailing slash', { basePath: '/auth/' }, /options\.basePath/],
    ['basePath with a query', { basePath: '/auth?x' }, /options\.basePath/],
    ['successRedirect protocol-relative', { successRedirect: '//evil.example' }, /options\.successRedirect/],
    ['failureRedirect javascript', { failureRedirect: 'javascript:alert(1)' }, /options\.failureRedirect/],
    ['logoutRedirect not a string', { logoutRedirect: 1 }, /options\.logoutRedirect must be a string/],
    ['allowedReturnTo string', { allowedReturnTo: '/app' }, /options\.allowedReturnTo must be a predicate or an array/],
    ['allowedReturnTo bad prefix', { allowedReturnTo: ['//evil'] }, /options\.allowedReturnTo may only contain/],
    ['unknown scope', { scopes: ['admin'] }, /options\.scopes must list Stack Exchange scopes/],
    ['origin with path', { origin: 'https://app.example/' }, /options\.origin .*e\.g\. origin: 'https:\/\/app\.example'/],
    ['origin not http', { origin: 'ftp://app.example' }, /options\.origin/],
    ['cookieName with a space', { cookieName: 'my sid' }, /options\.cookieName/],
    ['logoutTimeout zero', { logoutTimeout: 0 }, /options\.logoutTimeout .*e\.g\. logoutTimeout: 3000/],
    ['logoutTimeout not an integer', { logoutTimeout: 1.5 }, /options\.logoutTimeout/],
    ['client accessToken', { client: { accessToken: 'x' } }, /options\.client\.accessToken is set by the router/],
    ['client not an object', { client: 'x' }, /options\.client must be an object/],
    ['client timeout negative', { client: { timeout: -1 } }, /^stackExchangeAuth: options\.client\.timeout must be a positive number .*e\.g\. timeout: 10000/],
    ['client apiURL not https', { client: { apiURL: 'http://api.example/2.3' } }, /^stackExchangeAuth: options\.client\.apiURL/],
    ['client site malformed', { client: { site: 'stack overflow' } }, /^stackExchangeAuth: options\.client\.site/],
  ])('throws a TypeError naming the option: %s', (_name, options, message) => {
    expect(() => resolveAuthOptions(options as StackExchangeAuthOptions)).toThrow(TypeError);
    expect(() => resolveAuthOptions(options as StackExchangeAuthOptions)).toThrow(message);
  });
});
