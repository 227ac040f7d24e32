import { describe, expect, it } from 'vitest';
import { randomToken } from '../../src/util/random.js';

describe('randomToken', () => {
  it('gives 256 bits as 43 URL-safe characters, never repeating', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 1000; i++) {
      const t = randomToken();
      expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(Buffer.from(t, 'base64url')).toHaveLength(32);
      seen.add(t);
    }
    expect(seen.size).toBe(1000);
  });
});
