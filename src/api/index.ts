// Public exports of the api part; src/index.ts re-exports this file (and the types of ./types.js).
export { StackExchangeClient } from './client.js';
export type { PaginateParams } from './client.js';
export type { CallOptions } from './call-options.js';
export { DEFAULT_API_URL } from './client-options.js';
export type { BackoffEvent, StackExchangeClientOptions } from './client-options.js';
export type { ParamValue, RequestParams } from './params.js';
export { RateLimiter } from './rate-limiter.js';
export type { RateLimiterOptions } from './rate-limiter.js';
export { BackoffRegistry } from './backoff-registry.js';
export type { BackoffRegistryOptions } from './backoff-registry.js';
export type { RetryOptions } from './retry.js';
export { sharedBackoffRegistry, sharedRateLimiter } from './shared-limits.js';
export { MAX_TOKEN_VECTOR_LENGTH, MAX_VECTOR_LENGTH, methodFamily } from './path-template.js';
