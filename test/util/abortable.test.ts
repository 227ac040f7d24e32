import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { abortable, onAbort } from '../../src/util/abortable.js';

const never = (): Promise<never> => new Promise<never>(() => undefined);

describe('abortable', () => {
  it('settles like the promise and leaves no listener on the signal', async () => {
    const controller = new AbortController();
    await expect(abortable(Promise.resolve(7), controller.signal)).resolves.toBe(7);
    await expect(abortable(Promise.reject(new Error('boom')), controller.signal)).rejects.toThrow('boom');
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with signal.reason as soon as the signal aborts, removing its listener', async () => {
    const controller = new AbortController();
    const waiting = abortable(never(), controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    controller.abort();
    const error = await waiting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DOMException);
    expect(error).toMatchObject({ name: 'AbortError' });
    expect(error).toBe(controller.signal.reason);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once with the caller’s reason when the signal has already aborted', async () => {
    const reason = new Error('user left');
    await expect(abortable(Promise.reject(new Error('ignored')), AbortSignal.abort(reason))).rejects.toBe(reason);
  });

  it('returns the promise itself without a signal', () => {
    const promise = Promise.resolve(1);
    expect(abortable(promise, undefined)).toBe(promise);
  });
});

describe('onAbort', () => {
  it('shares one listener among all subscribers of a signal and removes it with the last', () => {
    const controller = new AbortController();
    const calls: number[] = [];
    const unsubscribes = Array.from({ length: 30 }, (_, i) => onAbort(controller.signal, () => calls.push(i)));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    for (const unsubscribe of unsubscribes.slice(0, 29)) unsubscribe();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
    unsubscribes[29]?.();
    unsubscribes[29]?.();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
    const again = onAbort(controller.signal, () => calls.push(100));
    const more = onAbort(controller.signal, () => calls.push(101));
    more();
    controller.abort();
    expect(calls).toEqual([100]);
    again();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
