import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rootMessage, safeCause } from '../../src/util/safe-cause.js';

describe('safeCause', () => {
  it('keeps name, code and a redacted message, drops other properties', () => {
    const original = Object.assign(new TypeError('fetch failed for https://x/2.3/me?key=K3Y&access_token=T0K'), {
      code: 'ECONNRESET',
      url: 'https://x/2.3/me?key=K3Y&access_token=T0K',
      headers: { authorization: 'T0K' },
    });
    const copy = safeCause(original);
    expect(copy.name).toBe('TypeError');
    expect(copy.message).toBe('fetch failed for https://x/2.3/me?key=[REDACTED]&access_token=[REDACTED]');
    expect((copy as { code?: string }).code).toBe('ECONNRESET');
    const shown = inspect(copy, { depth: 10 }) + JSON.stringify(copy);
    expect(shown).not.toMatch(/T0K|K3Y/);
  });

  it('copies a bounded chain of causes and wraps non-errors', () => {
    const deep = new Error('a', { cause: new Error('b', { cause: new Error('c', { cause: new Error('d') }) }) });
    const copy = safeCause(deep);
    const chain: string[] = [];
    for (let e: unknown = copy; e instanceof Error; e = e.cause) chain.push(e.message);
    expect(chain).toEqual(['a', 'b', 'c']);
    expect(safeCause('plain access_token=zzz').message).toBe('plain access_token=[REDACTED]');
  });

  it('keeps the original stack, redacted', () => {
    const original = new Error('failed key=K3Y');
    expect(safeCause(original).stack).toContain('failed key=[REDACTED]');
    expect(safeCause(original).stack).toContain('safe-cause.test.ts');
  });
});

describe('rootMessage', () => {
  it('names the innermost cause, redacted', () => {
    const error = new TypeError('fetch failed', { cause: new Error('connect ECONNREFUSED 127.0.0.1:9 access_token=abc') });
    expect(rootMessage(error)).toBe('connect ECONNREFUSED 127.0.0.1:9 access_token=[REDACTED]');
    expect(rootMessage('plain')).toBe('plain');
  });
});
