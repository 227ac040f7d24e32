import { describe, expect, it } from 'vitest';
import { InFlight } from '../../src/api/in-flight.js';

describe('InFlight', () => {
  it('runs the work once for every caller of one key, and afresh once it settled', async () => {
    const shared = new InFlight<number>();
    let runs = 0;
    let finish: (n: number) => void = () => undefined;
    const start = (): Promise<number> => {
      runs++;
      return new Promise((resolve) => (finish = resolve));
    };
    const calls = [shared.run('k', start, undefined), shared.run('k', start, undefined), shared.run('other', () => Promise.resolve(7), undefined)];
    await Promise.resolve();
    finish(42);
    expect(await Promise.all(calls)).toEqual([42, 42, 7]);
    expect(runs).toBe(1);
    expect(shared.size).toBe(0);
    const again = shared.run('k', start, undefined);
    await Promise.resolve();
    finish(43);
    expect(await again).toBe(43);
    expect(runs).toBe(2);
  });

  it('lets one caller leave without ending the work for the others, and aborts the work when the last leaves', async () => {
    const shared = new InFlight<string>();
    let workSignal: AbortSignal | undefined;
    let finish: (s: string) => void = () => undefined;
    const start = (signal: AbortSignal): Promise<string> => {
      workSignal = signal;
      return new Promise((resolve) => (finish = resolve));
    };
    const a = new AbortController();
    const b = new AbortController();
    const first = shared.run('k', start, a.signal);
    const second = shared.run('k', start, b.signal);
    await Promise.resolve();
    a.abort(new Error('a left'));
    await expect(first).rejects.toThrow('a left');
    expect(workSignal?.aborted).toBe(false);
    b.abort(new Error('b left'));
    await expect(second).rejects.toThrow('b left');
    expect(workSignal?.aborted).toBe(true);
    expect(shared.size).toBe(0);
    finish('late');
  });

  it('leaves finished work alone: its signal never aborts once every caller has its answer', async () => {
    const shared = new InFlight<number>();
    const signals: AbortSignal[] = [];
    const start = (signal: AbortSignal): Promise<number> => {
      signals.push(signal);
      return Promise.resolve(1);
    };
    const caller = new AbortController();
    expect(await Promise.all([shared.run('k', start, caller.signal), shared.run('k', start, undefined)])).toEqual([1, 1]);
    await expect(shared.run('j', () => Promise.reject(new Error('down')), undefined)).rejects.toThrow('down');
    await new Promise((resolve) => setImmediate(resolve));
    expect(signals).toHaveLength(1);
    expect(signals[0]?.aborted).toBe(false);
  });

  it('passes one failure to every caller', async () => {
    const shared = new InFlight<number>();
    const failing = (): Promise<number> => Promise.reject(new Error('down'));
    const results = await Promise.allSettled([shared.run('k', failing, undefined), shared.run('k', failing, undefined)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });
});
