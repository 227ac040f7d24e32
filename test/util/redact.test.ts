import { describe, expect, it } from 'vitest';
import { redact } from '../../src/util/redact.js';

describe('redact', () => {
  it('redacts secret values in query strings and form bodies', () => {
    const url = 'https://api.example/2.3/me?site=stackoverflow&key=K3y((&access_token=tok.en-1&page=2';
    expect(redact(url)).toBe('https://api.example/2.3/me?site=stackoverflow&key=[REDACTED]&access_token=[REDACTED]&page=2');
    const form = 'client_id=12&client_secret=s3cret&code=abc&code_verifier=v-v&redirect_uri=http%3A%2F%2Fx';
    expect(redact(form)).toBe('client_id=12&client_secret=[REDACTED]&code=[REDACTED]&code_verifier=[REDACTED]&redirect_uri=http%3A%2F%2Fx');
  });

  it('redacts JSON and inspected-object values, escaped quotes included', () => {
    const json = JSON.stringify({ access_token: 'a"b', expires: 86400, clientSecret: 'x' });
    const out = redact(json);
    expect(out).toBe('{"access_token":"[REDACTED]","expires":86400,"clientSecret":"[REDACTED]"}');
    expect(redact("{ accessToken: 'tok', site: 'so' }")).toBe("{ accessToken: '[REDACTED]', site: 'so' }");
  });

  it('redacts tokens in the path of token methods', () => {
    expect(redact('GET /2.3/access-tokens/abc;def/invalidate?key=k')).toBe('GET /2.3/access-tokens/[REDACTED]/invalidate?key=[REDACTED]');
    expect(redact('/2.3/apps/t0k/de-authenticate')).toBe('/2.3/apps/[REDACTED]/de-authenticate');
  });

  it('redacts what util.inspect prints for a URLSearchParams or a Map, header lines, and other separators', () => {
    expect(redact("URLSearchParams { 'code' => 'C0DE', 'code_verifier' => 'VER1F1ER', 'client_secret' => 'S3CRET' }")).toBe(
      "URLSearchParams { 'code' => '[REDACTED]', 'code_verifier' => '[REDACTED]', 'client_secret' => '[REDACTED]' }",
    );
    expect(redact("Map(1) { 'access_token' => 'T0KEN))' }")).toBe("Map(1) { 'access_token' => '[REDACTED]' }");
    expect(redact('access_token: T0KEN))\r\nkey: K3Y((\r\nx: y')).toBe('access_token: [REDACTED]\r\nkey: [REDACTED]\r\nx: y');
    expect(redact('{ key: undefined, site: so }')).toBe('{ key: undefined, site: so }');
    expect(redact('params a=1,code=C0DE')).toBe('params a=1,code=[REDACTED]');
    expect(redact('(code=C0DE) [key=K3Y((] <access_token=T> |code=C|')).not.toMatch(/C0DE|K3Y|=T>|=C\|/);
    expect(redact('code="C0DE" key=\'K3Y((\'')).toBe('code="[REDACTED]" key=\'[REDACTED]\'');
    expect(redact('ACCESS_TOKEN=T0K&Client_Secret=S3C')).toBe('ACCESS_TOKEN=[REDACTED]&Client_Secret=[REDACTED]');
  });

  it('redacts JSON inside a JSON string (escaped quotes)', () => {
    const nested = JSON.stringify({ msg: JSON.stringify({ access_token: 'T0KEN))', expires: 1 }) });
    expect(redact(nested)).toBe('{"msg":"{\\"access_token\\":\\"[REDACTED]\\",\\"expires\\":1}"}');
  });

  it('leaves names that merely contain a secret name alone', () => {
    expect(redact('?monkey=1&barcode=2&keys=3')).toBe('?monkey=1&barcode=2&keys=3');
    expect(redact('a message without secrets')).toBe('a message without secrets');
  });
});

describe('redact on hostile input', () => {
  it('redacts an unterminated quoted value to the end, backslashes and all', () => {
    const hostile = `{"access_token":"${'\\'.repeat(36)}`;
    expect(redact(hostile)).toBe('{"access_token":"[REDACTED]');
    expect(redact(`error: "key": "a\\"b\\\\" after`)).toBe('error: "key": "[REDACTED]" after');
  });

  it('finishes on 100 KB of worst-case patterns and still redacts every value (timings: npm run bench)', () => {
    // Each shape once defeated a backtracking pattern: runs of backslashes in an unterminated quoted
    // value, names followed by long runs of spaces and no colon, and thousands of secrets in a row.
    const backslashes = `"access_token":"${'\\'.repeat(100_000)}`;
    expect(redact(backslashes)).toBe('"access_token":"[REDACTED]');
    const spaces = `key${' '.repeat(100_000)}x`;
    expect(redact(spaces)).toBe(spaces);
    const many = Array.from({ length: 10_000 }, (_, i) => `key=${i}`).join('&');
    expect(redact(many)).toBe(Array.from({ length: 10_000 }, () => 'key=[REDACTED]').join('&'));
    const quotes = `'code': '${"\\'".repeat(50_000)}`;
    expect(redact(quotes)).toBe("'code': '[REDACTED]");
  });

  it('leaves a bare word that is not followed by a value alone', () => {
    expect(redact('the key is missing; code: 12')).toBe('the key is missing; code: 12');
    expect(redact('keyboard=1&hotkey: "x"')).toBe('keyboard=1&hotkey: "x"');
  });
});
