import passport from 'passport';
import { describe, expect, it } from 'vitest';
import { StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import { AUTH_DEFAULTS, resolveAuthOptions } from '../../src/express/router-options.js';
import type { StackExchangeAuthOptions } from '../../src/express/router-options.js';

const strategy = new StackExchangeStrategy({ clientID: '1', key: 'k((', callbackURL: 'https://app.example/auth/callback', scope: ['no_expiry'] });

describe('resolveAuthOptions', () => {
  it('applies the defaults', () => {
    const resolved = resolveAuthOptions({ strategy });
    expect(resolved).toMatchObject({
      strategy,
      basePath: '/auth',
      successRedirect: '/',
      failureRedirect: '/',
      logoutRedirect: '/',
      allowedReturnTo: undefined,
      // The strategy's own scopes are always allowed.
      scopes: ['no_expiry'],
      origin: 'https://app.example',
      cookieName: 'connect.sid',
      logoutTimeout: 3000,
      clientOptions: { key: 'k((', site: 'stackoverflow', apiURL: 'https://api.stackexchange.com/2.3' },
    });
    expect(resolved.passport).toBe(passport);
    expect(AUTH_DEFAULTS.basePath).toBe('/auth');
  });

  it('keeps valid options', () => {
    const instance = new passport.Passport();
    const resolved = resolveAuthOptions({
      strategy,
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
    expect(resolved).toMatchObject({ strategy, basePath: '/login/se', scopes: ['no_expiry', 'read_inbox'], origin: 'https://app.example', cookieName: 'sid' });
    expect(resolved.passport).toBe(instance);
    // Client options are built once, from the strategy's API settings and then `client`.
    expect(resolved.clientOptions).toMatchObject({ key: 'k((', site: 'math' });
    expect(Object.isFrozen(resolved.clientOptions)).toBe(true);
  });

  it.each<[string, StackExchangeAuthOptions | Record<string, unknown>, RegExp]>([
    ['unknown option', { basepath: '/auth' }, /unknown option "basepath" \(did you mean basePath\?\)/],
    ['strategy by name', { strategy: 'stackexchange' }, /options\.strategy must be the StackExchangeStrategy instance given to passport\.use\(\) \(passport has no public lookup by name\)/],
    ['no strategy', {}, /options\.strategy must be the StackExchangeStrategy instance/],
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
    const withStrategy = { ...{ strategy }, ...options } as StackExchangeAuthOptions;
    if (_name === 'no strategy') delete (withStrategy as Partial<StackExchangeAuthOptions>).strategy;
    expect(() => resolveAuthOptions(withStrategy)).toThrow(TypeError);
    expect(() => resolveAuthOptions(withStrategy)).toThrow(message);
  });
});
