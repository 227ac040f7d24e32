import { describe, expect, it } from 'vitest';
import { firstRepeated, isFormContentType, parseParams, single } from '../../src/sandbox/incoming.js';

describe('parseParams', () => {
  it('keeps single values as strings and repeats as arrays, with form decoding', () => {
    expect(parseParams('a=1&b=x+y&a=2&a=3&c=%29%29&d=')).toEqual({ a: ['1', '2', '3'], b: 'x y', c: '))', d: '' });
    expect(parseParams('')).toEqual({});
  });

  it('keeps names every object has as plain parameters (__proto__, constructor), once or repeated', () => {
    const params = parseParams('__proto__=1&constructor=2&constructor=3&filter=default');
    expect(Object.entries(params)).toEqual([['__proto__', '1'], ['constructor', ['2', '3']], ['filter', 'default']]);
    expect(firstRepeated(params)).toBe('constructor');
  });

  it('single() tells absent from repeated', () => {
    const p = parseParams('a=1&b=1&b=2');
    expect(single(p, 'a')).toBe('1');
    expect(single(p, 'b')).toBeNull();
    expect(single(p, 'c')).toBeUndefined();
    expect(single(null, 'a')).toBeUndefined();
  });

  it('firstRepeated() names the first parameter sent more than once', () => {
    expect(firstRepeated(parseParams('a=1&b=1&c=1&b=2&c=2'))).toBe('b');
    expect(firstRepeated(parseParams('a=1&b='))).toBeUndefined();
    expect(firstRepeated(null)).toBeUndefined();
  });
});

describe('isFormContentType', () => {
  it.each([
    ['application/x-www-form-urlencoded', true],
    ['application/x-www-form-urlencoded;charset=UTF-8', true],
    ['Application/X-WWW-Form-Urlencoded ; charset=utf-8', true],
    ['application/json', false],
    ['multipart/form-data; boundary=x', false],
    [undefined, false],
  ])('%s → %s', (value, expected) => {
    expect(isFormContentType(value)).toBe(expected);
  });
});
