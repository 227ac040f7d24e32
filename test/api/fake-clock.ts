/**
 * A clock for unit tests whose `sleep` moves time forward at once instead of waiting, so code that
 * waits seconds runs in microseconds while still seeing consistent times.
 */
export interface FakeClock {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Every sleep requested, in order. */
  sleeps: number[];
  advance: (ms: number) => void;
}

/** A {@link FakeClock} starting at `start` ms. */
export function fakeClock(start = 1_000_000): FakeClock {
  let time = start;
  const sleeps: number[] = [];
  return {
    now: () => time,
    sleep: async (ms) => {
      sleeps.push(ms);
      time += Math.max(0, ms);
      await Promise.resolve();
    },
    sleeps,
    advance: (ms) => {
      time += ms;
    },
  };
}
