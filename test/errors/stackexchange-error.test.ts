import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { StackExchangeError, isStackExchangeError } from '../../src/errors/stackexchange-error.js';

describe('StackExchangeError', () => {
  it('keeps its code, its cause and the name of the subclass', () => {
    class CustomError extends StackExchangeError {}
    const cause = new Error('below');
    const err = new CustomError('failed', { code: 'CUSTOM', cause });
    expect([err.name, err.code, err.message, err.cause]).toEqual(['CustomError', 'CUSTOM', 'failed', cause]);
    expect(err).toBeInstanceOf(Error);
    expect(isStackExchangeError(err)).toBe(true);
    expect(isStackExchangeError(cause)).toBe(false);
    expect(isStackExchangeError({ code: 'CUSTOM', message: 'failed' })).toBe(false);
  });

  it('has no cause property when given none', () => {
    expect(Object.hasOwn(new StackExchangeError('x', { code: 'X' }), 'cause')).toBe(false);
  });

  it('redacts secrets from the message, and so from the stack and inspection', () => {
    const err = new StackExchangeError('GET https://api.example/2.3/me?key=k3y((&access_token=t0k))', { code: 'X' });
    for (const text of [err.message, err.stack ?? '', inspect(err), String(err)]) {
      expect(text).not.toContain('k3y((');
      expect(text).not.toContain('t0k))');
    }
    expect(err.message).toBe('GET https://api.example/2.3/me?key=[REDACTED]&access_token=[REDACTED]');
  });
});
