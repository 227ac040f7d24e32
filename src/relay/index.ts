// Public exports of the relay part; src/index.ts re-exports this file.
export { tokenRelay } from './relay.js';
export type { TokenRelay } from './relay.js';
export type { TokenRelayOptions } from './relay-options.js';
export { RelayStoreError, isRelayStoreError, RELAY_STORE_UNAVAILABLE } from './relay-store.js';
export type { RelayStore } from './relay-store.js';
export { MemoryRelayStore, MEMORY_STORE_WARNING_CODE } from './memory-store.js';
export type { MemoryRelayStoreOptions } from './memory-store.js';
export { RedisRelayStore } from './redis-store.js';
export type { RedisRelayClient, RedisRelaySubscriber, RedisRelayStoreOptions } from './redis-store.js';
// The deprecated alias stays exported until 1.0 so that 0.1 code keeps compiling.
// eslint-disable-next-line @typescript-eslint/no-deprecated
export type { PollRateLimitOptions, RateLimitOptions } from './address-rate-limit.js';
export { isRelayKey } from './relay-keys.js';
export { RELAY_ERROR_NAMES } from './relay-result.js';
export type { RelayErrorName } from './relay-result.js';
export { desktopLogin, DesktopLoginErrorCode } from './desktop-login.js';
export type {
  DesktopLoginCommonOptions,
  DesktopLoginOptions,
  DesktopLoginResult,
  LoginSleep,
  LoopbackDesktopLoginOptions,
  RelayDesktopLoginOptions,
} from './desktop-login.js';
