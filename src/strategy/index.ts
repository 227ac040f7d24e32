// Public exports of the strategy part; src/index.ts re-exports this file.
export { StackExchangeStrategy } from './strategy.js';
export type {
  AnyVerify,
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
export type { StackExchangeScope, StackExchangeStrategyOptions } from './options.js';
export { exchangeCode } from './token-exchange.js';
export type { TokenExchangeRequest, TokenSet } from './token-exchange.js';
export { parseProfile } from './profile.js';
export type { StackExchangeProfile } from './profile.js';
export { PENDING_LOGINS_KEY, PendingLoginStore } from './pending-logins.js';
export type { InvalidStateInfo, PendingLogin, PendingLoginStoreOptions } from './pending-logins.js';
export { SessionStoreError, isSessionStoreError } from './session-store-error.js';
export {
  AUTHORIZATION_ERROR_TYPES,
  StackExchangeAuthorizationError,
  isStackExchangeAuthorizationError,
} from './authorization-error.js';
export type { AuthorizationErrorType } from './authorization-error.js';
