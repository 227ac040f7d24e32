// Public exports of the strategy part; src/index.ts re-exports this file.
// The `state` option of passport.authenticate() as an object (a type augmentation).
import './authenticate-options.js';
export { StackExchangeStrategy, StackExchangeStrategy as Strategy } from './strategy.js';
export type {
  AnyVerify,
  ConsumedLogin,
  StackExchangeAuthInfo,
  StackExchangeAuthenticateOptions,
  StackExchangeStrategySettings,
  StackExchangeTokenParams,
  StackExchangeTokens,
  VerifyCallback,
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
} from './strategy.js';
export { STACKEXCHANGE_SCOPES, STRATEGY_DEFAULTS } from './options.js';
export type { ResolvedStrategyOptions, StackExchangeScope, StackExchangeStrategyOptions } from './options.js';
export { MAX_TOKEN_ANSWER_BYTES, exchangeCode } from './token-exchange.js';
export type { TokenExchangeRequest, TokenSet } from './token-exchange.js';
export { parseProfile } from './profile.js';
export type { StackExchangeProfile } from './profile.js';
export { PENDING_LOGINS_KEY, SessionPendingLoginStore } from './pending-logins.js';
export type {
  InvalidStateInfo,
  PendingLoginContext,
  PendingLoginState,
  PendingLoginStore,
  PendingLoginStoreCallback,
  PendingLoginVerifyCallback,
  SessionPendingLoginStoreOptions,
} from './pending-logins.js';
export { PendingLoginStoreError, RedisPendingLoginStore } from './redis-pending-logins.js';
export type { PendingLoginRedisClient, RedisPendingLoginStoreOptions } from './redis-pending-logins.js';
export { SessionStoreError, isSessionStoreError } from './session-store-error.js';
export {
  AUTHORIZATION_ERROR_TYPES,
  StackExchangeAuthorizationError,
  isStackExchangeAuthorizationError,
} from './authorization-error.js';
export type { AuthorizationErrorType } from './authorization-error.js';
export type { CallbackRequest } from './callback-query.js';
export type { StackExchangePassportOptions } from './authenticate-options.js';
