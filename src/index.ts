export { VERSION } from './version.js';

export { StackExchangeError, isStackExchangeError } from './errors/stackexchange-error.js';
export type { StackExchangeErrorOptions } from './errors/stackexchange-error.js';
export { TOKEN_ERROR_STATUS, TokenError, TokenErrorCode, isTokenError } from './errors/token-error.js';
export type { TokenErrorOptions } from './errors/token-error.js';
export { ApiErrorCode, StackExchangeApiError, isStackExchangeApiError, statusForErrorId } from './errors/api-error.js';
export type { StackExchangeApiErrorOptions } from './errors/api-error.js';
export { StackExchangeNetworkError, NetworkErrorCode, isStackExchangeNetworkError } from './errors/network-error.js';
export type { StackExchangeNetworkErrorOptions } from './errors/network-error.js';
export { ERROR_CODES, LoginErrorCode } from './errors/error-codes.js';
export type { ErrorCodeInfo } from './errors/error-codes.js';
export { redact } from './util/redact.js';
export { decodeHtmlEntities } from './util/html-entities.js';

export type * from './api/types.js';
export * from './api/index.js';
export * from './strategy/index.js';
export * from './express/index.js';
export * from './relay/index.js';
