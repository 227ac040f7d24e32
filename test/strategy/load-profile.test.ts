import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { StackExchangeClient } from 'passport-stackexchange-oauth2';
import { createSandbox } from 'passport-stackexchange-oauth2/sandbox';
import type { Sandbox, SandboxUser } from 'passport-stackexchange-oauth2/sandbox';
import { loadProfile } from '../../src/strategy/load-profile.js';

let se: Sandbox;

beforeAll(async () => {
  se = await createSandbox({ port: 0 });
});
afterAll(async () => {
  await se.close();
});
beforeEach(() => {
  se.reset();
});

function clientFor(user: SandboxUser, site = 'stackoverflow'): StackExchangeClient {
  const { accessToken } = se.issueToken({ accountId: user.accountId });
  return new StackExchangeClient({ key: se.clients[0]!.key, accessToken, site, apiURL: se.apiURL });
}

const apiPaths = () => se.requests.map((r) => `${r.path}?${new URLSearchParams(r.query as Record<string, string>).get('site') ?? ''}`);

describe('loadProfile', () => {
  it('makes a single /me call for a user with an account on the site', async () => {
    const user = se.users[0]!;
    const profile = await loadProfile(clientFor(user), 'stackoverflow', false);
    expect(profile.userId).toBe(user.sites['stackoverflow']!.user_id);
    expect(apiPaths()).toEqual(['/2.3/me?stackoverflow']);
  });

  it('asks another site when configured so', async () => {
    const user = se.users[0]!;
    const profile = await loadProfile(clientFor(user, 'math'), 'math', false);
    expect(profile).toMatchObject({ site: 'math', userId: user.sites['math']!.user_id });
    expect(apiPaths()).toEqual(['/2.3/me?math']);
  });

  it('falls back to /me/associated without an account on the site', async () => {
    const user = se.users.find((u) => !u.sites['stackoverflow'])!;
    const profile = await loadProfile(clientFor(user), 'stackoverflow', false);
    expect(profile).toMatchObject({ id: String(user.accountId), userId: user.network[0]!.user_id });
    expect(profile).not.toHaveProperty('networkUsers');
    expect(apiPaths()).toEqual(['/2.3/me?stackoverflow', '/2.3/me/associated?']);
  });

  it('adds the network accounts when asked', async () => {
    const user = se.users[0]!;
    const profile = await loadProfile(clientFor(user), 'stackoverflow', true);
    expect(profile.networkUsers).toEqual(user.network);
    expect(se.requests[1]?.query).toMatchObject({ pagesize: '100' });
  });

  it('rejects with the API error for a revoked token', async () => {
    const user = se.users[0]!;
    const { accessToken } = se.issueToken({ accountId: user.accountId });
    se.expireToken(accessToken);
    const client = new StackExchangeClient({ key: se.clients[0]!.key, accessToken, apiURL: se.apiURL });
    const err = await loadProfile(client, 'stackoverflow', false).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'StackExchangeApiError', errorId: 402 });
    expect((err as Error).message).not.toContain(accessToken);
  });
});
