import { describe, expect, it } from 'vitest';
import { isHttpToken } from '../../src/util/http-token.js';

describe('isHttpToken', () => {
  it('accepts header and cookie names made of token characters', () => {
    for (const name of ['connect.sid', '__Host-sid', 'X-Request-Id', "a!#$%&'*+-.^_`|~9"]) expect(isHttpToken(name), name).toBe(true);
  });

  it('refuses separators, spaces, controls, non-ASCII, the empty string and non-strings', () => {
    for (const name of ['', 'a b', 'a;b', 'a=b', 'a,b', '"a"', 'a\r\nSet-Cookie: x=1', 'é', '(a)', 'a/b', 'a:b']) expect(isHttpToken(name), JSON.stringify(name)).toBe(false);
    for (const value of [undefined, null, 42, ['a']]) expect(isHttpToken(value)).toBe(false);
  });
});
