import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { resolveStrategyOptions } from '../../src/strategy/options.js';
import type { StackExchangeStrategyOptions } from 'passport-stackexchange-oauth2';
import { STRATEGY_DEFAULTS, StackExchangeStrategy } from 'passport-stackexchange-oauth2';

const valid = { clientID: '1234', key: 'api-key((', callbackURL: 'https://app.example/auth/callback' };

function thrown(options: unknown): TypeError {
  try {
    resolveStrategyOptions(options as StackExchangeStrategyOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(TypeError);
    return err as TypeError;
  }
  throw new Error('no TypeError was thrown');
}

describe('resolveStrategyOptions', () => {
  it('applies the documented defaults', () => {
    const resolved = resolveStrategyOptions(valid);
    expect(resolved).toMatchObject({
      clientID: '1234',
      clientSecret: undefined,
      key: 'api-key((',
      callbackURL: 'https://app.example/auth/callback',
      scope: [],
      site: 'stackoverflow',
      networkUsers: false,
      timeout: 10_000,
      stateTTL: 600,
      maxPendingLogins: 10,
      authorizationURL: 'https://stackoverflow.com/oauth',
      tokenURL: 'https://stackoverflow.com/oauth/access_token/json',
      apiURL: 'https://api.stackexchange.com/2.3',
      passReqToCallback: false,
      fetch: undefined,
    });
    expect(resolved.userAgent).toMatch(/^passport-stackexchange-oauth2\/\d+\.\d+\.\d+$/);
    expect(STRATEGY_DEFAULTS.timeout).toBe(10_000);
  });

  it('puts the app user agent in front of the package one', () => {
    expect(resolveStrategyOptions({ ...valid, userAgent: 'my-app/1.0' }).userAgent).toMatch(/^my-app\/1\.0 passport-stackexchange-oauth2\//);
  });

  it.each([
    ['array', ['read_inbox', 'no_expiry'], ['read_inbox', 'no_expiry']],
    ['comma string', 'read_inbox,write_access', ['read_inbox', 'write_access']],
    ['space string', 'private_info  no_expiry', ['private_info', 'no_expiry']],
    ['duplicates', 'read_inbox, read_inbox', ['read_inbox']],
  ])('parses a scope given as %s', (_label, scope, expected) => {
    expect(resolveStrategyOptions({ ...valid, scope: scope as string }).scope).toEqual(expected);
  });

  it.each([
    ['clientID', { ...valid, clientID: undefined }, /options\.clientID is required \(e\.g\. clientID: "1234"\)/],
    ['clientID', { ...valid, clientID: 1234 }, /options\.clientID must be a string/],
    ['key', { ...valid, key: '' }, /options\.key is required \(e\.g\. key: /],
    ['callbackURL', { ...valid, callbackURL: undefined }, /options\.callbackURL must be an absolute http\(s\) URL \(e\.g\. callbackURL: "https:/],
    ['callbackURL', { ...valid, callbackURL: '/auth/callback' }, /options\.callbackURL must be an absolute http\(s\) URL: a relative one would be resolved against the Host header.*give the full URL registered on Stack Apps/],
    ['callbackURL', { ...valid, callbackURL: 'ftp://app.example/cb' }, /options\.callbackURL must use http: or https:/],
    ['callbackURL', { ...valid, callbackURL: 'https://app.example/cb#x' }, /options\.callbackURL must not have a fragment/],
    ['clientSecret', { ...valid, clientSecret: '' }, /options\.clientSecret must be a non-empty string, or left out/],
    ['scope', { ...valid, scope: ['read_inbox', 'admin'] }, /options\.scope may only contain read_inbox, no_expiry, write_access, private_info/],
    ['scope', { ...valid, scope: 42 }, /options\.scope must be an array/],
    ['site', { ...valid, site: 'stack overflow' }, /options\.site must be a site parameter or domain/],
    ['networkUsers', { ...valid, networkUsers: 'yes' }, /options\.networkUsers must be a boolean \(e\.g\. networkUsers: true\)/],
    ['timeout', { ...valid, timeout: 0 }, /options\.timeout must be a positive integer .*\(e\.g\. timeout: 10000\)/],
    ['timeout', { ...valid, timeout: Number.NaN }, /options\.timeout must be a positive integer/],
    ['stateTTL', { ...valid, stateTTL: -1 }, /options\.stateTTL must be a positive number .*\(e\.g\. stateTTL: 600\)/],
    ['maxPendingLogins', { ...valid, maxPendingLogins: 2.5 }, /options\.maxPendingLogins must be a positive integer/],
    ['authorizationURL', { ...valid, authorizationURL: 'stackoverflow.com/oauth' }, /options\.authorizationURL must be an absolute/],
    ['tokenURL', { ...valid, tokenURL: 'javascript:alert(1)' }, /options\.tokenURL must use http: or https:/],
    // The client secret, the code and the verifier would cross the network in clear.
    ['tokenURL', { ...valid, tokenURL: 'http://stackoverflow.com/oauth/access_token/json' }, /options\.tokenURL must be an https URL \(plain http only on a loopback host/],
    ['authorizationURL', { ...valid, authorizationURL: 'http://stackoverflow.com/oauth' }, /options\.authorizationURL must be an https URL/],
    ['apiURL', { ...valid, apiURL: 'http://api.stackexchange.com/2.3' }, /options\.apiURL must be an https URL/],
    ['apiURL', { ...valid, apiURL: 'https://user:pw@api.example/2.3' }, /options\.apiURL must not carry credentials/],
    ['userAgent', { ...valid, userAgent: ' my-app ' }, /options\.userAgent must be a non-empty line of printable ASCII/],
    // Node refuses such a header: every login would fail at its token request.
    ['userAgent', { ...valid, userAgent: 'my-app ✓' }, /options\.userAgent must be a non-empty line of printable ASCII/],
    ['passReqToCallback', { ...valid, passReqToCallback: 1 }, /options\.passReqToCallback must be a boolean/],
    ['fetch', { ...valid, fetch: 'fetch' }, /options\.fetch must be a function/],
    ['apiLimits', { ...valid, apiLimits: { acquire: () => () => {} } }, /options\.apiLimits must be an ApiLimits/],
    ['unknown key', { ...valid, stateTtl: 60 }, /unknown option "stateTtl" \(did you mean stateTTL\?\)/],
    ['rateLimiter (replaced by apiLimits)', { ...valid, rateLimiter: {} }, /unknown option "rateLimiter"/],
    ['skipUserProfile', { ...valid, skipUserProfile: 'yes' }, /options\.skipUserProfile must be a boolean or a function/],
    ['customHeaders', { ...valid, customHeaders: { 'x-a': 1 } }, /options\.customHeaders must be an object of header names and string values/],
    ['customHeaders', { ...valid, customHeaders: { 'bad name': 'x' } }, /options\.customHeaders/],
    ['scopeSeparator', { ...valid, scopeSeparator: ';' }, /options\.scopeSeparator must be one of " ", ","/],
    ['sessionKey', { ...valid, sessionKey: '' }, /options\.sessionKey must be a non-empty string/],
    ['sessionKey with store', { ...valid, sessionKey: 'k', store: { store: () => {}, verify: () => {} } }, /options\.sessionKey only applies to the default session store/],
    ['pkce', { ...valid, pkce: false }, /options\.pkce cannot be changed: PKCE S256 is always used/],
    ['pkce', { ...valid, pkce: 'plain' }, /options\.pkce cannot be changed/],
    ['state', { ...valid, state: false }, /options\.state cannot be turned off/],
    ['store', { ...valid, store: {} }, /options\.store must be a PendingLoginStore/],
  ])('rejects a bad %s with a TypeError naming it', (_name, options, message) => {
    expect(thrown(options).message).toMatch(message);
    expect(thrown(options).message).toMatch(/^StackExchangeStrategy: /);
  });

  it('rejects missing options', () => {
    expect(thrown(undefined).message).toMatch(/options must be an object \(e\.g\. \{ clientID/);
  });

  it('accepts pkce: true and state: true, which change nothing', () => {
    expect(() => resolveStrategyOptions({ ...valid, pkce: true, state: true })).not.toThrow();
    expect(() => resolveStrategyOptions({ ...valid, pkce: 'S256' })).not.toThrow();
  });

  it("accepts passport-oauth2's options", () => {
    const store = { store: () => {}, verify: () => {} };
    const resolved = resolveStrategyOptions({ ...valid, skipUserProfile: true, customHeaders: { 'x-trace': 'a' }, scopeSeparator: ',', store } as unknown as StackExchangeStrategyOptions);
    expect(resolved).toMatchObject({ skipUserProfile: true, customHeaders: { 'x-trace': 'a' }, scopeSeparator: ',', sessionKey: 'stackexchangePending' });
    expect(resolved.store).toBe(store);
    expect(resolveStrategyOptions({ ...valid, sessionKey: 'mine' }).sessionKey).toBe('mine');
  });
});

describe('StackExchangeStrategy construction', () => {
  it('validates options at construction and is named stackexchange', () => {
    expect(() => new StackExchangeStrategy({ ...valid, clientID: '' })).toThrow(/options\.clientID is required/);
    expect(new StackExchangeStrategy(valid).name).toBe('stackexchange');
  });

  it('rejects an apiURL the API client would refuse (plain http off loopback)', () => {
    expect(() => new StackExchangeStrategy({ ...valid, apiURL: 'http://api.example/2.3' })).toThrow(/apiURL/);
  });

  it('keeps the client secret out of the strategy object, so logging it cannot print it', () => {
    const strategy = new StackExchangeStrategy({ ...valid, clientSecret: 'very-secret-value' });
    expect(inspect(strategy, { depth: 10, showHidden: true })).not.toContain('very-secret-value');
    expect(strategy.settings).toMatchObject({ clientID: '1234', stateTTL: 600 });
  });

  it('rejects a verify that is not a function', () => {
    expect(() => new StackExchangeStrategy(valid, 'verify' as never)).toThrow(/verify must be a function/);
  });

  it('requires verify with skipUserProfile (there is no profile to be the user)', () => {
    expect(() => new StackExchangeStrategy({ ...valid, skipUserProfile: true })).toThrow(/verify is required with skipUserProfile/);
    expect(() => new StackExchangeStrategy({ ...valid, skipUserProfile: true }, (_a, _r, _p, done) => done(null, { id: 1 }))).not.toThrow();
  });

  it('is exported as Strategy, as every passport-* package does', async () => {
    const mod = await import('passport-stackexchange-oauth2');
    expect(mod.Strategy).toBe(StackExchangeStrategy);
  });
});
