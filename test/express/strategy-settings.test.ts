import passport from 'passport';
import { describe, expect, it } from 'vitest';
import { StackExchangeStrategy } from 'passport-stackexchange-oauth2';
import { strategyFacts } from '../../src/express/strategy-settings.js';

const options = { clientID: '1', key: 'k((', callbackURL: 'https://app.example:8443/auth/callback' };

describe('strategyFacts', () => {
  it('takes the origin from the callback URL, or from the origin option', () => {
    const authenticator = new passport.Passport();
    authenticator.use(new StackExchangeStrategy(options));
    expect(strategyFacts(authenticator, 'stackexchange', undefined)().origin).toBe('https://app.example:8443');
    expect(strategyFacts(authenticator, 'stackexchange', 'https://other.example')().origin).toBe('https://other.example');
    expect(strategyFacts(authenticator, 'stackexchange', undefined)().settings.key).toBe('k((');
  });

  it('throws a TypeError naming the strategy when none is registered, or another kind is', () => {
    const authenticator = new passport.Passport();
    expect(strategyFacts(authenticator, 'stackexchange', undefined)).toThrow(/no StackExchangeStrategy is registered as "stackexchange"/);
    authenticator.use('other', new passport.Strategy());
    expect(strategyFacts(authenticator, 'other', undefined)).toThrow(TypeError);
  });

  it('remembers the strategy after the first lookup', () => {
    const authenticator = new passport.Passport();
    authenticator.use(new StackExchangeStrategy(options));
    const facts = strategyFacts(authenticator, 'stackexchange', undefined);
    const first = facts();
    authenticator.unuse('stackexchange');
    expect(facts()).toBe(first);
  });
});
