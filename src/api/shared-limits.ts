import { BackoffRegistry } from './backoff-registry.js';
import { RateLimiter } from './rate-limiter.js';

// Stack Exchange counts requests per IP and backoffs per method, not per client object: the router
// creates a client per request, so the defaults must be shared by the whole process.
const limiters = new Map<string, RateLimiter>();
const registries = new Map<string, BackoffRegistry>();

/**
 * The process-wide {@link RateLimiter} (30 requests per rolling second) for an API root, created on
 * first use. Every {@link StackExchangeClient} without its own `rateLimiter` uses it.
 */
export function sharedRateLimiter(apiURL: string): RateLimiter {
  let limiter = limiters.get(apiURL);
  if (!limiter) limiters.set(apiURL, (limiter = new RateLimiter()));
  return limiter;
}

/**
 * The process-wide {@link BackoffRegistry} for an API root, created on first use. Every
 * {@link StackExchangeClient} without its own `backoffRegistry` uses it.
 */
export function sharedBackoffRegistry(apiURL: string): BackoffRegistry {
  let registry = registries.get(apiURL);
  if (!registry) registries.set(apiURL, (registry = new BackoffRegistry()));
  return registry;
}
