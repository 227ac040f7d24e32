import { describe, expect, it } from 'vitest';
import { queryOf, readParams, readParsedParams } from '../../src/relay/relay-params.js';

const NAMES = ['key', 'appid', 'wait'];

describe('readParams', () => {
  it('reads the named parameters once each and ignores the others', () => {
    const params = readParams('key=abc&appid=12&other=1&other=2', NAMES);
    expect(params && Object.fromEntries(params)).toEqual({ key: 'abc', appid: '12' });
  });

  it('decodes percent-encoding and plus signs like a form', () => {
    expect(readParams('key=a%2Bb+c', NAMES)?.get('key')).toBe('a+b c');
  });

  it('refuses a repeated parameter', () => {
    expect(readParams('key=a&key=b', NAMES)).toBeUndefined();
    expect(readParams('key=a&key=a', NAMES)).toBeUndefined();
  });

  it('refuses structured forms of a known parameter (qs arrays and objects)', () => {
    expect(readParams('key[]=a', NAMES)).toBeUndefined();
    expect(readParams('key[x]=a', NAMES)).toBeUndefined();
    expect(readParams('key%5B%5D=a', NAMES)).toBeUndefined();
    expect(readParams('other[]=a&key=b', NAMES)?.get('key')).toBe('b');
  });
});

describe('readParsedParams', () => {
  it('reads string values and refuses arrays and objects', () => {
    expect(readParsedParams({ key: 'a', x: ['1'] }, NAMES)?.get('key')).toBe('a');
    expect(readParsedParams({ key: ['a', 'b'] }, NAMES)).toBeUndefined();
    expect(readParsedParams({ key: { a: 'b' } }, NAMES)).toBeUndefined();
    expect(readParsedParams({ 'key[a]': 'b' }, NAMES)).toBeUndefined();
  });
});

describe('queryOf', () => {
  it('returns what follows the first question mark', () => {
    expect(queryOf('/auth/token?key=a?b')).toBe('key=a?b');
    expect(queryOf('/auth/token')).toBe('');
    expect(queryOf('//evil.example/x?key=a')).toBe('key=a');
  });
});
