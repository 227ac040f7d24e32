import type { Request } from 'express';
import passport from 'passport';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import type {
  StackExchangeProfile,
  StackExchangeStrategyOptions,
  StackExchangeTokenParams,
  VerifyCallback,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequestAndParams,
} from 'passport-stackexchange-oauth2';

// Checked by `tsc --noEmit` (the test folder is part of the project): the `verify` forms of passport-oauth2
// get their parameter types from the constructor's overloads or from the exported function types.
const options = { clientID: '1234', key: 'api-key((', callbackURL: 'https://app.example/auth/callback' };

describe('verify forms for TypeScript users', () => {
  it('types (accessToken, refreshToken, profile, done)', () => {
    const strategy = new StackExchangeStrategy(options, (accessToken, refreshToken, profile, done) => {
      expectTypeOf(accessToken).toEqualTypeOf<string>();
      expectTypeOf(refreshToken).toEqualTypeOf<undefined>();
      expectTypeOf(profile).toEqualTypeOf<StackExchangeProfile>();
      expectTypeOf(done).toEqualTypeOf<VerifyCallback>();
      done(null, { id: profile.id });
    });
    expect(strategy.name).toBe('stackexchange');
    passport.use(strategy);
  });

  it('types (accessToken, refreshToken, params, profile, done) through VerifyFunctionWithParams', () => {
    // TypeScript cannot tell an un-annotated arrow's form by its arity among overloads: the forms with
    // `params` are typed with their exported function type.
    const verify: VerifyFunctionWithParams = (_accessToken, _refreshToken, params, profile, done) => {
      expectTypeOf(params).toEqualTypeOf<StackExchangeTokenParams>();
      expectTypeOf(params.expiresAt).toEqualTypeOf<number | null>();
      expectTypeOf(params.expires).toEqualTypeOf<number | undefined>();
      expectTypeOf(profile).toEqualTypeOf<StackExchangeProfile>();
      done(null, profile);
    };
    const strategy = new StackExchangeStrategy(options, verify);
    expect(strategy.settings.passReqToCallback).toBe(false);
  });

  it('types the request first with passReqToCallback: true, in both forms', () => {
    const four = new StackExchangeStrategy({ ...options, passReqToCallback: true }, (req, _accessToken, _refreshToken, profile, done) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      expectTypeOf(profile).toEqualTypeOf<StackExchangeProfile>();
      done(null, profile);
    });
    const withParams: VerifyFunctionWithRequestAndParams = (req, _accessToken, _refreshToken, params, profile, done) => {
      expectTypeOf(req).toEqualTypeOf<Request>();
      expectTypeOf(params).toEqualTypeOf<StackExchangeTokenParams>();
      expectTypeOf(profile).toEqualTypeOf<StackExchangeProfile>();
      done(null, false, { message: 'not here' });
    };
    const six = new StackExchangeStrategy({ ...options, passReqToCallback: true }, withParams);
    expect([four.settings.passReqToCallback, six.settings.passReqToCallback]).toEqual([true, true]);
  });

  it('takes no verify (the user is the profile) and options typed as StackExchangeStrategyOptions', () => {
    const typed: StackExchangeStrategyOptions = { ...options, scope: ['read_inbox'] };
    expect(new StackExchangeStrategy(typed).settings.scope).toEqual(['read_inbox']);
    expect(new StackExchangeStrategy(typed, (_a: string, _r: undefined, profile: StackExchangeProfile, done: VerifyCallback) => done(null, profile))).toBeInstanceOf(StackExchangeStrategy);
  });

  it('refuses unknown scopes at compile time as well as at run time', () => {
    // @ts-expect-error 'admin' is not a Stack Exchange scope
    expect(() => new StackExchangeStrategy({ ...options, scope: ['admin'] })).toThrow(TypeError);
  });
});

describe('passport.authenticate() options for TypeScript users', () => {
  it('accepts an object state and a scope list (module augmentation of passport)', () => {
    // @types/passport types the middleware as `any`.
    const start: unknown = passport.authenticate('stackexchange', { state: { returnTo: '/questions' }, scope: ['read_inbox'], failureRedirect: '/login' });
    expect(typeof start).toBe('function');
    // A string state stays what @types/passport allows, and the strategy refuses it at run time.
    expectTypeOf<typeof passport.authenticate>().toBeCallableWith('stackexchange', { state: 'opaque' });
  });
});
