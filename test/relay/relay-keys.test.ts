import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isAppId, isRelayKey, storageKey } from '../../src/relay/relay-keys.js';
import { randomToken } from '../../src/util/random.js';

describe('isRelayKey', () => {
  it('accepts URL-safe keys of 22 to 128 characters, such as a 256-bit random state', () => {
    expect(isRelayKey(randomToken(32))).toBe(true);
    expect(isRelayKey('a'.repeat(22))).toBe(true);
    expect(isRelayKey('A-z_0'.repeat(25) + 'abc')).toBe(true);
  });

  it('refuses keys that are too short, too long or not URL-safe', () => {
    expect(isRelayKey('a'.repeat(21))).toBe(false);
    expect(isRelayKey('a'.repeat(129))).toBe(false);
    expect(isRelayKey('')).toBe(false);
    for (const bad of ['+', '/', '=', ':', '.', '~', '%41', ' ', '\n', 'é']) {
      expect(isRelayKey('a'.repeat(22) + bad), bad).toBe(false);
    }
    expect(isRelayKey(undefined)).toBe(false);
    expect(isRelayKey(['a'.repeat(22)])).toBe(false);
  });

  it('accepts exactly the strings of [A-Za-z0-9_-]{22,128}', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 140 }), (value) => {
        expect(isRelayKey(value)).toBe(/^[A-Za-z0-9_-]{22,128}$/.test(value));
      }),
    );
  });
});

describe('isAppId', () => {
  it('accepts Stack Apps client ids and short URL-safe names only', () => {
    expect(isAppId('1234')).toBe(true);
    expect(isAppId('my-app_2')).toBe(true);
    expect(isAppId('')).toBe(false);
    expect(isAppId('a'.repeat(65))).toBe(false);
    expect(isAppId('a:b')).toBe(false);
    expect(isAppId(1234)).toBe(false);
  });
});

describe('storageKey', () => {
  it('scopes keys by app id so that apps never collide, also with no app id', () => {
    const key = randomToken();
    const keys = new Set([storageKey('1', key), storageKey('2', key), storageKey(undefined, key)]);
    expect(keys.size).toBe(3);
  });

  it('is injective over valid app ids and keys', () => {
    const appId = fc.option(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { nil: undefined });
    const key = fc.stringMatching(/^[A-Za-z0-9_-]{22,30}$/);
    fc.assert(
      fc.property(appId, key, appId, key, (a1, k1, a2, k2) => {
        if (a1 !== a2 || k1 !== k2) expect(storageKey(a1, k1)).not.toBe(storageKey(a2, k2));
      }),
    );
  });
});
