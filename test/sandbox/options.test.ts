import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/sandbox/options.js';
import type { SandboxOptions, SandboxUser } from '../../src/sandbox/types.js';

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    const o = resolveOptions();
    expect(o).toMatchObject({ host: '127.0.0.1', port: 0, tokenLifetime: 86400, codeLifetime: 60, maxRequestsPerSecond: 30, banSeconds: 30, writeInterval: 5, quotaMax: 10000, keys: [], autoApprove: undefined });
    expect(o.clients.map((c) => c.clientId)).toEqual(['1001', '1002']);
    expect(o.clock).toBe(Date.now);
  });

  it.each<[string, SandboxOptions, RegExp]>([
    ['port', { port: 70000 }, /options\.port .*e\.g\. port: 0/],
    ['port', { port: 1.5 }, /options\.port/],
    ['host', { host: '' }, /options\.host/],
    ['tokenLifetime', { tokenLifetime: 0 }, /options\.tokenLifetime .*e\.g\. tokenLifetime: 86400/],
    ['codeLifetime', { codeLifetime: -1 }, /options\.codeLifetime/],
    ['maxRequestsPerSecond', { maxRequestsPerSecond: Number.NaN }, /options\.maxRequestsPerSecond/],
    ['writeInterval', { writeInterval: -1 }, /options\.writeInterval/],
    ['banSeconds', { banSeconds: -1 }, /options\.banSeconds must be a non-negative number .*e\.g\. banSeconds: 30/],
    ['banSeconds', { banSeconds: Infinity }, /options\.banSeconds/],
    ['banSeconds', { banSeconds: '30' as unknown as number }, /options\.banSeconds/],
    ['quotaMax', { quotaMax: Infinity }, /options\.quotaMax/],
    ['clock', { clock: 5 as unknown as () => number }, /options\.clock/],
    ['autoApprove', { autoApprove: 1 }, /options\.autoApprove .*e\.g\. autoApprove: 9000001/],
    ['clients', { clients: [] }, /options\.clients/],
    ['clients[0].domain', { clients: [{ clientId: '1', key: 'k', domain: 'http://localhost' }] }, /options\.clients\[0\]\.domain/],
    ['clients[1].clientId', { clients: [{ clientId: '1', key: 'k', domain: 'a' }, { clientId: '1', key: 'k2', domain: 'a' }] }, /options\.clients\[1\]\.clientId must be unique/],
    ['clients[0].key', { clients: [{ clientId: '1', key: '', domain: 'a' }] }, /options\.clients\[0\]\.key/],
    ['keys', { keys: [''] }, /options\.keys\[0\]/],
    ['users', { users: [] }, /options\.users/],
    ['users[0].accountId', { users: [{ accountId: -1, displayName: 'x', sites: {}, network: [], inbox: [] }] }, /options\.users\[0\]\.accountId/],
  ])('%s is validated with a TypeError naming it', (_name, options, message) => {
    expect(() => resolveOptions(options)).toThrow(TypeError);
    expect(() => resolveOptions(options)).toThrow(message);
  });

  it('refuses unknown keys naming the nearest known one, and a non-object', () => {
    expect(() => resolveOptions({ maxRequestPerSecond: 5 } as SandboxOptions)).toThrow('createSandbox: unknown option "maxRequestPerSecond" (did you mean maxRequestsPerSecond?)');
    expect(() => resolveOptions({ pagesize: 5 } as SandboxOptions)).toThrow(/^createSandbox: unknown option "pagesize"$/);
    expect(() => resolveOptions('fast' as SandboxOptions)).toThrow('createSandbox: options must be an object (e.g. { port: 0 })');
  });

  it('generatedUsers: 300 by default, any count from 0 to 10000, never colliding with configured users', () => {
    expect(resolveOptions().generatedUsers).toHaveLength(300);
    expect(resolveOptions({ generatedUsers: 0 }).generatedUsers).toEqual([]);
    expect(resolveOptions({ generatedUsers: 120 }).generatedUsers).toHaveLength(120);
    for (const bad of [-1, 1.5, 10_001, Number.NaN]) expect(() => resolveOptions({ generatedUsers: bad })).toThrow(/options\.generatedUsers .*e\.g\. generatedUsers: 300/);
    const clash = resolveOptions({ generatedUsers: 2 }).generatedUsers[0] as SandboxUser;
    expect(resolveOptions({ users: [clash], generatedUsers: 2 }).generatedUsers.map((u) => u.accountId)).toEqual([8_000_002]);
  });

  it('accepts Infinity for maxRequestsPerSecond and 0 for writeInterval and banSeconds', () => {
    expect(resolveOptions({ maxRequestsPerSecond: Infinity, writeInterval: 0, banSeconds: 0 })).toMatchObject({ maxRequestsPerSecond: Infinity, writeInterval: 0, banSeconds: 0 });
  });
});
