import { describe, expect, it } from 'vitest';
import { answerFor, decodeResult, encodeResult, resultFromPost, resultFromQuery } from '../../src/relay/relay-result.js';

const params = (record: Record<string, string>) => new Map(Object.entries(record));

describe('resultFromQuery', () => {
  it('reads a code, a refusal, or nothing (the implicit grant)', () => {
    expect(resultFromQuery(params({ code: 'c0de(x)', state: 's' }))).toEqual({ code: 'c0de(x)' });
    expect(resultFromQuery(params({ error: 'access_denied', error_description: '<b>no</b>' }))).toEqual({ error: 'access_denied' });
    expect(resultFromQuery(params({ appid: '1' }))).toBeNull();
  });

  it('maps unknown error names to authorization_error and never keeps the description', () => {
    expect(resultFromQuery(params({ error: '<script>' }))).toEqual({ error: 'authorization_error' });
    expect(resultFromQuery(params({ error: 'invalid_scope', error_description: 'x' }))).toEqual({ error: 'invalid_scope' });
  });

  it('refuses a token in the query, both a code and an error, and empty or oversized codes', () => {
    expect(resultFromQuery(params({ access_token: 't' }))).toBeUndefined();
    expect(resultFromQuery(params({ code: 'c', error: 'access_denied' }))).toBeUndefined();
    expect(resultFromQuery(params({ code: '' }))).toBeUndefined();
    expect(resultFromQuery(params({ code: 'a b' }))).toBeUndefined();
    expect(resultFromQuery(params({ code: 'x'.repeat(2049) }))).toBeUndefined();
  });
});

describe('resultFromPost', () => {
  it('reads a token with or without expires, or an error', () => {
    expect(resultFromPost(params({ access_token: 'tok(1)', expires: '86400' }))).toEqual({ access_token: 'tok(1)', expires: 86400 });
    expect(resultFromPost(params({ access_token: 'tok' }))).toEqual({ access_token: 'tok' });
    expect(resultFromPost(params({ error: 'access_denied' }))).toEqual({ error: 'access_denied' });
  });

  it('refuses malformed posts', () => {
    expect(resultFromPost(params({}))).toBeUndefined();
    expect(resultFromPost(params({ access_token: 'tok', expires: '-1' }))).toBeUndefined();
    expect(resultFromPost(params({ access_token: 'tok', expires: '1e3' }))).toBeUndefined();
    expect(resultFromPost(params({ access_token: 'tok', error: 'access_denied' }))).toBeUndefined();
    expect(resultFromPost(params({ code: 'c' }))).toBeUndefined();
    expect(resultFromPost(params({ access_token: '' }))).toBeUndefined();
  });
});

describe('answerFor', () => {
  it('answers 200 with the code or the token, 403 with a fixed message for a refusal', () => {
    expect(answerFor(encodeResult({ code: 'c' }))).toEqual({ status: 200, body: { code: 'c' } });
    expect(answerFor(encodeResult({ access_token: 't', expires: 5 }))).toEqual({ status: 200, body: { access_token: 't', expires: 5 } });
    expect(answerFor(encodeResult({ access_token: 't' }))).toEqual({ status: 200, body: { access_token: 't' } });
    expect(answerFor(encodeResult({ error: 'access_denied' }))).toEqual({
      status: 403,
      body: { error_name: 'access_denied', error_message: 'The user declined access' },
    });
  });

  it('encodes each write uniquely (a random nonce) and never hands the nonce out', () => {
    const [a, b] = [encodeResult({ code: 'c' }), encodeResult({ code: 'c' })];
    expect(a).not.toBe(b);
    const written = JSON.parse(a) as Record<string, unknown>;
    expect(written['code']).toBe('c');
    expect(written['nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(answerFor(a).body).toEqual({ code: 'c' });
    expect(decodeResult(b)).toEqual({ code: 'c' });
  });

  it('answers 502 for a value the relay did not write', () => {
    expect(answerFor('not json').status).toBe(502);
    expect(answerFor('{"x":1}').status).toBe(502);
    expect(decodeResult('null')).toBeUndefined();
  });
});
