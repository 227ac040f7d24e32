import { describe, expect, it } from 'vitest';
import { BackoffRegistry } from '../../src/api/backoff-registry.js';
import { RateLimiter } from '../../src/api/rate-limiter.js';
import { sharedBackoffRegistry, sharedRateLimiter } from '../../src/api/shared-limits.js';

describe('shared limits', () => {
  it('hands out one limiter and one registry per API root for the whole process', () => {
    const root = 'https://api.example/2.3';
    expect(sharedRateLimiter(root)).toBeInstanceOf(RateLimiter);
    expect(sharedRateLimiter(root)).toBe(sharedRateLimiter(root));
    expect(sharedRateLimiter(root)).not.toBe(sharedRateLimiter('https://other.example/2.3'));
    expect(sharedRateLimiter(root).maxRequests).toBe(30);
    expect(sharedBackoffRegistry(root)).toBeInstanceOf(BackoffRegistry);
    expect(sharedBackoffRegistry(root)).toBe(sharedBackoffRegistry(root));
    expect(sharedBackoffRegistry(root)).not.toBe(sharedBackoffRegistry('https://other.example/2.3'));
  });
});
