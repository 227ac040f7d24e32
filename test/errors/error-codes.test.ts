import { describe, expect, it } from 'vitest';
import {
  ERROR_CODES,
  LoginErrorCode,
  NetworkErrorCode,
  PendingLoginStoreError,
  SessionStoreError,
  StackExchangeAuthorizationError,
  TokenError,
  TokenErrorCode,
} from 'passport-stackexchange-oauth2';
import { ApiErrorCode } from '../../src/errors/api-error.js';

describe('ERROR_CODES', () => {
  it('lists every exported code once: one code, one meaning', () => {
    const codes = ERROR_CODES.map((row) => row.code);
    expect(new Set(codes).size).toBe(codes.length);
    const exported = [...Object.values(TokenErrorCode), ...Object.values(ApiErrorCode), ...Object.values(NetworkErrorCode), ...Object.values(LoginErrorCode)];
    expect([...codes].sort()).toEqual([...exported].sort());
    for (const row of ERROR_CODES) expect(row.meaning.length).toBeGreaterThan(10);
  });

  it("gives each error class's status, the HTTP status to answer with", () => {
    const statusOf = (code: string) => ERROR_CODES.find((row) => row.code === code)?.status;
    expect(new TokenError('x', { code: TokenErrorCode.Timeout }).status).toBe(statusOf(TokenErrorCode.Timeout));
    expect(new SessionStoreError('x').status).toBe(statusOf(LoginErrorCode.SessionStore));
    expect(new PendingLoginStoreError('x').status).toBe(statusOf(LoginErrorCode.PendingLoginStore));
    expect(new StackExchangeAuthorizationError('invalid_scope').code).toBe(LoginErrorCode.AuthorizationError);
  });
});
