// Type augmentation only: `passport.authenticate('stackexchange', { state: { returnTo } })` type-checks.
// @types/passport types `state` as a string, but StackExchangeStrategy takes an object of metadata
// (kept server-side with the pending login, handed back as `info.state`); an added overload of
// `authenticate` accepts it, since an interface property's type cannot be widened by merging.
import type { Handler } from 'express';
import type { AuthenticateOptions as PassportAuthenticateOptions, Strategy as PassportStrategy } from 'passport';
import type { StackExchangeAuthenticateOptions } from './strategy.js';

/** passport's authenticate options with the strategy's `state` and `scope`. */
export type StackExchangePassportOptions = Omit<PassportAuthenticateOptions, 'state' | 'scope'> & StackExchangeAuthenticateOptions;

declare module 'passport' {
  // The type parameters repeat @types/passport's declaration exactly, as merging requires.
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-explicit-any
  interface Authenticator<InitializeRet = Handler, AuthenticateRet = any, AuthorizeRet = AuthenticateRet, AuthorizeOptions = PassportAuthenticateOptions> {
    /** `authenticate()` with StackExchangeStrategy's options: `state` may be an object of metadata. */
    authenticate(strategy: string | string[] | PassportStrategy, options: StackExchangePassportOptions, callback?: (...args: never[]) => unknown): AuthenticateRet;
  }
}
