// Public exports of the express part; src/index.ts re-exports this file.
import './express-types.js';

export { stackExchangeAuth } from './router.js';
export { AUTH_DEFAULTS } from './router-options.js';
export type { LoginFailure, PassportInstance, RequestClientOptions, StackExchangeAuthOptions } from './router-options.js';
export { requireLogin } from './require-login.js';
export type { RequireLoginOptions } from './require-login.js';
export { safeReturnTo } from './return-to.js';
export type { AllowedReturnTo } from './return-to.js';
export { LOGIN_FAILURE_MESSAGE, LOGIN_FAILURE_STATUS } from './login-failure.js';
export type { LoginFailureCode } from './login-failure.js';
export { POPUP_MESSAGE_TYPE } from './popup-page.js';
export type { PopupLoginFailure, PopupLoginMessage, PopupLoginSuccess } from './popup-page.js';
export { SESSION_TOKENS_KEY } from './session-tokens.js';
export type { SessionTokens, StackExchangeSessionInfo } from './session-tokens.js';
