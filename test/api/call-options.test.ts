import { describe, expect, it } from 'vitest';
import { callSignal } from '../../src/api/call-options.js';

describe('callSignal', () => {
  it('returns the signal, or undefined without options or signal', () => {
    const { signal } = new AbortController();
    expect(callSignal('get', { signal })).toBe(signal);
    expect(callSignal('get', undefined)).toBeUndefined();
    expect(callSignal('get', {})).toBeUndefined();
    expect(callSignal('get', { signal: undefined })).toBeUndefined();
  });

  it('refuses options that are not an object and a signal that is not an AbortSignal, naming the method', () => {
    expect(() => callSignal('post', 'fast' as never)).toThrow(/^StackExchangeClient: post\(\) options must be an object \(e\.g\./);
    expect(() => callSignal('get', null as never)).toThrow(TypeError);
    expect(() => callSignal('paginate', { signal: new AbortController() as never })).toThrow(/paginate\(\) options\.signal must be an AbortSignal \(e\.g\. \{ signal: controller\.signal \}\)/);
  });
});
