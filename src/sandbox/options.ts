import { optionFailure, type OptionFailure } from '../util/option-error.js';
import { randomToken } from '../util/random.js';
import { SAMPLE_CLIENTS, sampleUsers } from './sample-data.js';
import type { SandboxClient, SandboxOptions, SandboxUser } from './types.js';

/** {@link SandboxOptions} with defaults applied. */
export interface ResolvedOptions {
  host: string;
  port: number;
  clients: SandboxClient[];
  keys: string[];
  users: SandboxUser[];
  tokenLifetime: number;
  codeLifetime: number;
  maxRequestsPerSecond: number;
  banSeconds: number;
  writeInterval: number;
  quotaMax: number;
  clock: () => number;
  autoApprove: number | undefined;
}

const fail: OptionFailure = optionFailure('createSandbox');

function positive(value: number | undefined, option: string, fallback: number, example: string, allowZero = false, allowInfinity = false): number {
  if (value === undefined) return fallback;
  const ok = typeof value === 'number' && !Number.isNaN(value) && (allowZero ? value >= 0 : value > 0) && (allowInfinity || Number.isFinite(value));
  if (!ok) fail(option, `must be a ${allowZero ? 'non-negative' : 'positive'} number`, example);
  return value;
}

function nonEmpty(value: unknown, option: string, example: string): string {
  if (typeof value !== 'string' || value.trim() === '') fail(option, 'must be a non-empty string', example);
  return value;
}

function resolveClients(clients: SandboxOptions['clients']): SandboxClient[] {
  if (clients === undefined) return SAMPLE_CLIENTS.map((c) => ({ ...c }));
  if (!Array.isArray(clients) || clients.length === 0) fail('clients', 'must be a non-empty array', `[{ clientId: '1001', key: 'k((', domain: 'localhost' }]`);
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

function resolveUsers(users: SandboxOptions['users']): SandboxUser[] {
  if (users === undefined) return sampleUsers();
  if (!Array.isArray(users) || users.length === 0) fail('users', 'must be a non-empty array', 'sampleUsers()');
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

/** Validates options and applies defaults; throws `TypeError` naming the option and showing an example. */
export function resolveOptions(options: SandboxOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) fail('options', 'must be an object', '{ port: 0 }');
  const host = options.host === undefined ? '127.0.0.1' : nonEmpty(options.host, 'host', "'127.0.0.1'");
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', 'must be an integer from 0 to 65535', '0');
  const clients = resolveClients(options.clients);
  const keys = options.keys ?? [];
  if (!Array.isArray(keys)) fail('keys', 'must be an array of strings', "['readOnlyKey((']");
  keys.forEach((k, i) => nonEmpty(k, `keys[${i}]`, "'readOnlyKey(('"));
  const users = resolveUsers(options.users);
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') fail('clock', 'must be a function returning ms since the epoch', '() => Date.now()');
  const autoApprove = options.autoApprove;
  if (autoApprove !== undefined && !users.some((u) => u.accountId === autoApprove)) {
    fail('autoApprove', 'must be the accountId of one of the users', String(users[0]?.accountId));
  }
  return {
    host,
    port,
    clients,
    keys,
    users,
    tokenLifetime: positive(options.tokenLifetime, 'tokenLifetime', 86_400, '86400'),
    codeLifetime: positive(options.codeLifetime, 'codeLifetime', 60, '60'),
    maxRequestsPerSecond: positive(options.maxRequestsPerSecond, 'maxRequestsPerSecond', 30, '30', false, true),
    banSeconds: positive(options.banSeconds, 'banSeconds', 30, '30', true),
    writeInterval: positive(options.writeInterval, 'writeInterval', 5, '5', true),
    quotaMax: positive(options.quotaMax, 'quotaMax', 10_000, '10000'),
    clock,
    autoApprove,
  };
}
