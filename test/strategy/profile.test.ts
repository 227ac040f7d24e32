import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { isStackExchangeError, parseProfile } from 'passport-stackexchange-oauth2';
import type { NetworkUser, User, Wrapper } from 'passport-stackexchange-oauth2';

function fixture<T>(name: string): T[] {
  const wrapper = JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as Wrapper<T>;
  return wrapper.items ?? [];
}

const me = fixture<User>('me.json')[0];
const noImage = fixture<User>('me-no-image.json')[0];
const network = fixture<NetworkUser>('me-associated.json');

describe('parseProfile', () => {
  it('builds the passport profile from /me', () => {
    const profile = parseProfile(me, 'stackoverflow');
    expect(profile).toEqual({
      provider: 'stackexchange',
      id: '11683',
      accountId: 11683,
      userId: 22656,
      displayName: 'Ada Example',
      profileUrl: 'https://stackoverflow.com/users/22656/ada-example',
      photos: [{ value: 'https://www.gravatar.com/avatar/6d8ebb117e8d83d74ea95fbdd0f87e13?s=256&d=identicon&r=PG' }],
      reputation: 48213,
      userType: 'registered',
      site: 'stackoverflow',
      _json: me,
    });
    expect(profile).not.toHaveProperty('networkUsers');
  });

  it('decodes the HTML-encoded display name and keeps _json as received', () => {
    const encoded = { ...me!, display_name: 'Se&#225;n O&#39;Sandbox &amp;lt;3' };
    const profile = parseProfile(encoded, 'stackoverflow');
    expect(profile.displayName).toBe("Seán O'Sandbox &lt;3");
    expect((profile._json as User).display_name).toBe('Se&#225;n O&#39;Sandbox &amp;lt;3');
  });

  it('leaves photos empty when the user has no image', () => {
    const profile = parseProfile(noImage, 'stackoverflow');
    expect(profile.photos).toEqual([]);
    expect(profile.userType).toBe('unregistered');
  });

  it('adds the network accounts when given', () => {
    const profile = parseProfile(me, 'stackoverflow', network);
    expect(profile.networkUsers).toEqual(network);
    expect(profile.networkUsers).not.toBe(network);
    expect(profile.site).toBe('stackoverflow');
  });

  it('falls back to the first network account when the user has no account on the site', () => {
    expect(fixture<User>('me-no-account.json')).toEqual([]);
    const profile = parseProfile(undefined, 'stackoverflow', network, false);
    expect(profile).toEqual({
      provider: 'stackexchange',
      id: '11683',
      accountId: 11683,
      userId: 5190,
      displayName: 'user5190',
      profileUrl: 'https://math.stackexchange.com/users/5190',
      photos: [],
      reputation: 2301,
      userType: 'registered',
      site: 'math.stackexchange.com',
      _json: network[0],
    });
  });

  it('keeps the network accounts in the fallback when asked for', () => {
    const profile = parseProfile(undefined, 'stackoverflow', network, true);
    expect(profile.networkUsers).toHaveLength(2);
  });

  it('builds a clean profile URL from a site URL with a trailing slash', () => {
    const profile = parseProfile(undefined, 'stackoverflow', network.slice(1));
    expect(profile.profileUrl).toBe('https://meta.stackexchange.com/users/77');
    expect(profile.site).toBe('meta.stackexchange.com');
  });

  it('throws NO_ACCOUNT when there is no account at all', () => {
    let caught: unknown;
    try {
      parseProfile(undefined, 'stackoverflow', []);
    } catch (err) {
      caught = err;
    }
    expect(isStackExchangeError(caught) && caught.code).toBe('NO_ACCOUNT');
  });
});
