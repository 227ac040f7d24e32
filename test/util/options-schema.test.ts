import { describe, expect, it } from 'vitest';
import { boolean, func, nearestKey, nonEmptyString, oneOf, optional, parseOptions, positiveNumber } from '../../src/util/options-schema.js';

const schema = {
  clientID: nonEmptyString('"1234"'),
  stateTTL: optional(positiveNumber('600', { max: 86_400 }), 600),
  networkUsers: optional(boolean(), false),
  mode: optional(oneOf(['a', 'b'] as const, "'a'"), 'a' as const),
  onEvent: optional(func<() => void>('() => {}'), undefined),
};

describe('parseOptions', () => {
  it('returns each key normalised, with defaults for left-out keys', () => {
    expect(parseOptions('Thing', { clientID: '1' }, schema, '{}')).toEqual({ clientID: '1', stateTTL: 600, networkUsers: false, mode: 'a', onEvent: undefined });
    expect(parseOptions('Thing', { clientID: '1', stateTTL: 5, mode: 'b' }, schema, '{}')).toMatchObject({ stateTTL: 5, mode: 'b' });
  });

  it('refuses an unknown key, naming it and the nearest known one', () => {
    expect(() => parseOptions('Thing', { clientID: '1', stateTtl: 5 }, schema, '{}')).toThrow(new TypeError('Thing: unknown option "stateTtl" (did you mean stateTTL?)'));
    expect(() => parseOptions('Thing', { clientID: '1', networkuser: true }, schema, '{}')).toThrow('did you mean networkUsers?');
    expect(() => parseOptions('Thing', { clientID: '1', zzzzzzzzzz: 1 }, schema, '{}')).toThrow(new TypeError('Thing: unknown option "zzzzzzzzzz"'));
  });

  it('names the malformed option with what it must be and an example', () => {
    expect(() => parseOptions('Thing', { clientID: '' }, schema, '{}')).toThrow(
      new TypeError('Thing: options.clientID must be a non-empty string without surrounding spaces (e.g. clientID: "1234")'),
    );
    expect(() => parseOptions('Thing', { clientID: '1', stateTTL: 0 }, schema, '{}')).toThrow('options.stateTTL must be a positive number no greater than 86400');
    expect(() => parseOptions('Thing', { clientID: '1', mode: 'c' }, schema, '{}')).toThrow('options.mode must be one of "a", "b"');
    expect(() => parseOptions('Thing', { clientID: '1', onEvent: 1 }, schema, '{}')).toThrow('options.onEvent must be a function');
    expect(() => parseOptions('Thing', { clientID: '1', networkUsers: 'yes' }, schema, '{}')).toThrow('options.networkUsers must be a boolean');
  });

  it('refuses a missing options object', () => {
    expect(() => parseOptions('Thing', undefined, schema, '{ clientID: "1" }')).toThrow(new TypeError('Thing: options must be an object (e.g. { clientID: "1" })'));
    expect(() => parseOptions('Thing', [], schema, '{}')).toThrow(TypeError);
  });

  it('reads only the options object\'s own keys: a polluted Object.prototype or a prototype gives nothing', () => {
    const polluted = Object.prototype as Record<string, unknown>;
    polluted['stateTTL'] = 1;
    try {
      expect(parseOptions('Thing', { clientID: '1' }, schema, '{}').stateTTL).toBe(600);
    } finally {
      delete polluted['stateTTL'];
    }
    expect(parseOptions('Thing', Object.assign(Object.create(null) as object, { clientID: '1' }), schema, '{}').clientID).toBe('1');
  });

  it('takes only a plain object: a Map, a Date or a class instance is refused as such', () => {
    class Settings {
      clientID = '1';
    }
    for (const input of [new Map([['clientID', '1']]), new Date(), new Settings(), Object.create({ clientID: '1' }) as object]) {
      expect(() => parseOptions('Thing', input, schema, "{ clientID: '1' }"), Object.prototype.toString.call(input)).toThrow("Thing: options must be a plain object (e.g. { clientID: '1' })");
    }
  });

  it('does not treat inherited names as known', () => {
    expect(() => parseOptions('Thing', { clientID: '1', toString: 'x' }, schema, '{}')).toThrow('unknown option "toString"');
  });
});

describe('nearestKey', () => {
  it('suggests only near names', () => {
    expect(nearestKey('callbackUrl', ['callbackURL', 'clientID'])).toBe('callbackURL');
    expect(nearestKey('foo', ['callbackURL', 'clientID'])).toBeUndefined();
  });
});
