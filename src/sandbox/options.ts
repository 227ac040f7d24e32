import { optionFailure, type OptionFailure } from '../util/option-error.js';
import { func, nonEmptyString, optional, parseOptions, positiveNumber, type OptionRule } from '../util/options-schema.js';
import { randomToken } from '../util/random.js';
import { generatedUsers } from './generated-users.js';
import { SAMPLE_CLIENTS, sampleUsers } from './sample-data.js';
import type { SandboxClient, SandboxClientInit, SandboxOptions, SandboxUser } from './types.js';

/** {@link SandboxOptions} with defaults applied. */
export interface ResolvedOptions {
  host: string;
  port: number;
  clients: SandboxClient[];
  keys: string[];
  users: SandboxUser[];
  generatedUsers: SandboxUser[];
  tokenLifetime: number;
  codeLifetime: number;
  maxRequestsPerSecond: number;
  banSeconds: number;
  writeInterval: number;
  quotaMax: number;
  clock: () => number;
  autoApprove: number | undefined;
}

const OWNER = 'createSandbox';
// Nested values (clients[i].key, users[i].accountId) are checked here with the same message shape.
const fail: OptionFailure = optionFailure(OWNER);

/** The default number of generated users: enough for vectors of more than 100 ids. */
export const DEFAULT_GENERATED_USER_COUNT = 300;

// The rate limit alone may be Infinity (no limit); every other number must be finite.
const rateLimit: OptionRule<number> = (value, ruleFail) => {
  if (value === Infinity) return value;
  return positiveNumber('30')(value, ruleFail);
};

function nonEmpty(value: unknown, option: string, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'must be a non-empty string', example);
  return value;
}

const clientsRule: OptionRule<SandboxClientInit[] | undefined> = (value, ruleFail) => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) return ruleFail('must be a non-empty array', `[{ clientId: '1001', key: 'k((', domain: 'localhost' }]`);
  return value as SandboxClientInit[];
};

const keysRule: OptionRule<string[]> = (value, ruleFail) => {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return ruleFail('must be an array of strings', "['readOnlyKey((']");
  value.forEach((k: unknown, i) => nonEmpty(k, `keys[${i}]`, "'readOnlyKey(('"));
  return value as string[];
};

const usersRule: OptionRule<SandboxUser[] | undefined> = (value, ruleFail) => {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.length === 0) return ruleFail('must be a non-empty array', 'sampleUsers()');
  return value as SandboxUser[];
};

const autoApproveRule: OptionRule<number | undefined> = (value, ruleFail) => {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) return ruleFail('must be the accountId of one of the users', '9000001');
  return value;
};

/** One rule per option of {@link SandboxOptions}; unknown keys are refused by {@link parseOptions}. */
const SCHEMA = {
  host: optional(nonEmptyString("'127.0.0.1'"), '127.0.0.1'),
  port: optional(positiveNumber('0', { allowZero: true, integer: true, max: 65_535 }), 0),
  clients: clientsRule,
  keys: keysRule,
  users: usersRule,
  generatedUsers: optional(positiveNumber(String(DEFAULT_GENERATED_USER_COUNT), { allowZero: true, integer: true, max: 10_000 }), DEFAULT_GENERATED_USER_COUNT),
  tokenLifetime: optional(positiveNumber('86400'), 86_400),
  codeLifetime: optional(positiveNumber('60'), 60),
  maxRequestsPerSecond: optional(rateLimit, 30),
  banSeconds: optional(positiveNumber('30', { allowZero: true }), 30),
  writeInterval: optional(positiveNumber('5', { allowZero: true }), 5),
  quotaMax: optional(positiveNumber('10000'), 10_000),
  clock: optional(func<() => number>('() => Date.now()'), Date.now),
  autoApprove: autoApproveRule,
};

function resolveClients(clients: SandboxClientInit[] | undefined): SandboxClient[] {
  if (clients === undefined) return SAMPLE_CLIENTS.map((c) => ({ ...c }));
  const seen = new Set<string>();
  return clients.map((c, i) => {
    const clientId = nonEmpty(c.clientId, `clients[${i}].clientId`, "'1001'");
    if (seen.has(clientId)) fail(`clients[${i}].clientId`, 'must be unique', "'1002'");
    seen.add(clientId);
    const domain = nonEmpty(c.domain, `clients[${i}].domain`, "'localhost'");
    if (/[/:\s]/.test(domain)) fail(`clients[${i}].domain`, 'must be a bare host name', "'localhost'");
    return {
      clientId,
      key: nonEmpty(c.key, `clients[${i}].key`, "'myKey(('"),
      domain,
      clientSecret: c.clientSecret === undefined ? `${randomToken(18)}))` : nonEmpty(c.clientSecret, `clients[${i}].clientSecret`, "'secret))'"),
      name: c.name === undefined ? `App ${clientId}` : nonEmpty(c.name, `clients[${i}].name`, "'My App'"),
    };
  });
}

function checkUsers(users: SandboxUser[]): SandboxUser[] {
  const seen = new Set<number>();
  users.forEach((u, i) => {
    if (!Number.isSafeInteger(u.accountId) || u.accountId <= 0 || seen.has(u.accountId)) {
      fail(`users[${i}].accountId`, 'must be a unique positive integer', '9000001');
    }
    seen.add(u.accountId);
    nonEmpty(u.displayName, `users[${i}].displayName`, "'Ada'");
    if (typeof u.sites !== 'object' || u.sites === null || !Array.isArray(u.network) || !Array.isArray(u.inbox)) {
      fail(`users[${i}]`, 'must have sites, network and inbox', '{ accountId: 1, displayName: "Ada", sites: {}, network: [], inbox: [] }');
    }
  });
  return users;
}

/**
 * Validates options through the package's one mechanism ({@link parseOptions}: unknown keys refused
 * naming the nearest known one) and applies defaults; throws `TypeError` naming the option and
 * showing an example.
 */
export function resolveOptions(options: SandboxOptions = {}): ResolvedOptions {
  const o = parseOptions(OWNER, options, SCHEMA, '{ port: 0 }');
  const users = checkUsers(o.users ?? sampleUsers());
  if (o.autoApprove !== undefined && !users.some((u) => u.accountId === o.autoApprove)) {
    fail('autoApprove', 'must be the accountId of one of the users', String(users[0]?.accountId));
  }
  // Generated people never share an account id with the configured ones.
  const taken = new Set(users.map((u) => u.accountId));
  return {
    host: o.host,
    port: o.port,
    clients: resolveClients(o.clients),
    keys: o.keys,
    users,
    generatedUsers: generatedUsers(o.generatedUsers).filter((u) => !taken.has(u.accountId)),
    tokenLifetime: o.tokenLifetime,
    codeLifetime: o.codeLifetime,
    maxRequestsPerSecond: o.maxRequestsPerSecond,
    banSeconds: o.banSeconds,
    writeInterval: o.writeInterval,
    quotaMax: o.quotaMax,
    clock: o.clock,
    autoApprove: o.autoApprove,
  };
}
