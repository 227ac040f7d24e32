import { describe, expect, it } from 'vitest';
import { parseAuthorizeOptions, parseFaultOptions, parseIssueTokenOptions } from '../../src/sandbox/method-options.js';

describe('sandbox method options', () => {
  it('fault: times a positive integer, seconds a positive number, nothing else', () => {
    expect(parseFaultOptions(undefined)).toEqual({ times: undefined, seconds: undefined });
    expect(parseFaultOptions({ times: 2, seconds: 0.5 })).toEqual({ times: 2, seconds: 0.5 });
    expect(() => parseFaultOptions({ times: 1.5 })).toThrow('sandbox.fault: options.times must be a positive integer');
    expect(() => parseFaultOptions({ seconds: Infinity })).toThrow(/options\.seconds/);
    expect(() => parseFaultOptions({ count: 1 } as never)).toThrow('sandbox.fault: unknown option "count"');
  });

  it('issueToken: accountId required, scopes known and deduplicated', () => {
    expect(parseIssueTokenOptions({ accountId: 9_000_001, scope: ['read_inbox', 'read_inbox'] })).toEqual({ accountId: 9_000_001, clientId: undefined, scope: ['read_inbox'] });
    expect(() => parseIssueTokenOptions({} as never)).toThrow('sandbox.issueToken: options.accountId must be the accountId of a user (e.g. accountId: 9000001)');
    expect(() => parseIssueTokenOptions({ accountId: 1, clientId: '' })).toThrow(/options\.clientId/);
    expect(() => parseIssueTokenOptions({ accountId: 1, scope: 'read_inbox' as never })).toThrow(/options\.scope/);
  });

  it('authorize: approve defaults to true', () => {
    expect(parseAuthorizeOptions(undefined)).toEqual({ accountId: undefined, approve: true });
    expect(parseAuthorizeOptions({ approve: false })).toEqual({ accountId: undefined, approve: false });
    expect(() => parseAuthorizeOptions({ approve: 'no' } as never)).toThrow('sandbox.authorize: options.approve must be a boolean');
  });
});
