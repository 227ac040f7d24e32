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

  it('leaves names that merely contain a secret name alone', () => {
    expect(redact('?monkey=1&barcode=2&keys=3')).toBe('?monkey=1&barcode=2&keys=3');
    expect(redact('a message without secrets')).toBe('a message without secrets');
  });
});
