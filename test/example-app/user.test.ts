import { parseProfile, type NetworkUser, type User } from 'passport-stackexchange-oauth2';
import { describe, expect, it } from 'vitest';
import { isAppUser, toAppUser } from '../../example-app/user.js';

const badges = { bronze: 1, silver: 0, gold: 0 };

function networkUser(siteName: string, siteUrl: string, reputation: number): NetworkUser {
  return { account_id: 7, user_id: reputation, site_name: siteName, site_url: siteUrl, reputation, badge_counts: badges, creation_date: 1, last_access_date: 2, answer_count: 0, question_count: 0, user_type: 'registered' };
}

const me: User = {
  account_id: 7,
  user_id: 42,
  display_name: 'Se&#225;n O&#39;Brien',
  reputation: 1234,
  user_type: 'registered',
  link: 'https://stackoverflow.com/users/42/sean',
  profile_image: 'https://i.sstatic.net/avatar.png',
  badge_counts: badges,
  is_employee: false,
  creation_date: 1,
  last_access_date: 2,
  reputation_change_year: 0,
  reputation_change_quarter: 0,
  reputation_change_month: 0,
  reputation_change_week: 0,
  reputation_change_day: 0,
};

const network = [networkUser('Stack Overflow', 'https://stackoverflow.com', 1234), networkUser('Arts &amp; Crafts', 'https://crafts.stackexchange.com', 101)];

describe('toAppUser', () => {
  it('keeps the public details only, with names decoded, and the site name from the network accounts', () => {
    const user = toAppUser(parseProfile(me, 'stackoverflow', network));
    expect(user).toEqual({
      accountId: 7,
      displayName: "Seán O'Brien",
      profileImage: 'https://i.sstatic.net/avatar.png',
      reputation: 1234,
      site: 'stackoverflow',
      siteName: 'Stack Overflow',
      profileUrl: 'https://stackoverflow.com/users/42/sean',
      networkAccounts: [
        { siteName: 'Stack Overflow', siteUrl: 'https://stackoverflow.com', reputation: 1234 },
        { siteName: 'Arts & Crafts', siteUrl: 'https://crafts.stackexchange.com', reputation: 101 },
      ],
    });
    expect(isAppUser(JSON.parse(JSON.stringify(user)))).toBe(true);
  });

  it('for someone without an account on the site: the first network site, no image', () => {
    const user = toAppUser(parseProfile(undefined, 'stackoverflow', network.slice(1)));
    expect(user).toMatchObject({ site: 'crafts.stackexchange.com', siteName: 'Arts & Crafts', profileImage: null, reputation: 101 });
  });
});

describe('isAppUser', () => {
  it('refuses anything that is not the app user shape (an old or tampered session entry)', () => {
    const good = toAppUser(parseProfile(me, 'stackoverflow', network));
    expect(isAppUser(null)).toBe(false);
    expect(isAppUser('7')).toBe(false);
    expect(isAppUser({ ...good, accountId: '7' })).toBe(false);
    expect(isAppUser({ ...good, profileImage: undefined })).toBe(false);
    expect(isAppUser({ ...good, networkAccounts: {} })).toBe(false);
  });
});
