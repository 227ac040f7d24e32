import { boolean, optional, parseOptions, positiveNumber, type OptionRule } from '../util/options-schema.js';
import { SCOPES } from './state.js';
import type { AuthorizeOptions, FaultOptions, IssueTokenOptions } from './types.js';

/**
 * The options objects of the sandbox's methods (`fault`, `issueToken`, `authorize`), validated by the
 * package's one mechanism like `createSandbox`'s own: a typo such as `{ time: 1 }` is refused naming
 * `times` instead of being ignored. Checks that need the running sandbox (is this account or app
 * known?) stay with the method.
 */

const accountId: OptionRule<number> = (value, fail) => {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return fail('must be the accountId of a user', '9000001');
  return value;
};

const clientId: OptionRule<string | undefined> = (value, fail) => {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value === '') return fail('must be the clientId of a registered app', "'1001'");
  return value;
};

const scope: OptionRule<string[]> = (value, fail) => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || !(SCOPES as readonly string[]).includes(s))) {
    return fail(`must be an array of scopes (${SCOPES.join(', ')})`, "['read_inbox']");
  }
  return [...new Set(value as string[])];
};

/** `sandbox.fault(target, kind, options)`. */
export function parseFaultOptions(input: FaultOptions | undefined): { times: number | undefined; seconds: number | undefined } {
  return parseOptions('sandbox.fault', input ?? {}, {
    times: optional(positiveNumber('1', { integer: true }), undefined),
    seconds: optional(positiveNumber('30'), undefined),
  }, "{ times: 1 }");
}

/** `sandbox.issueToken(options)`. */
export function parseIssueTokenOptions(input: IssueTokenOptions): { accountId: number; clientId: string | undefined; scope: string[] } {
  return parseOptions('sandbox.issueToken', input, { accountId, clientId, scope }, '{ accountId: 9000001 }');
}

/** `sandbox.authorize(url, options)`. */
export function parseAuthorizeOptions(input: AuthorizeOptions | undefined): { accountId: number | undefined; approve: boolean } {
  return parseOptions('sandbox.authorize', input ?? {}, {
    accountId: optional(accountId, undefined),
    approve: optional(boolean('true'), true),
  }, '{ accountId: 9000001 }');
}
