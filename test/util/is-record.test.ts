import { describe, expect, it } from 'vitest';
import { isRecord } from '../../src/util/is-record.js';

describe('isRecord', () => {
  it('accepts objects and refuses null, arrays and primitives', () => {
    expect(isRecord({})).toBe(true);
    expect(isRecord({ items: [] })).toBe(true);
    expect(isRecord(Object.create(null))).toBe(true);
    for (const value of [null, undefined, [], [1], 'x', 1, true]) expect(isRecord(value)).toBe(false);
  });
});
