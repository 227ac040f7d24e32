import { describe, expect, it } from 'vitest';
import { findSite, SAMPLE_CLIENTS, sampleQuestions, sampleUsers } from '../../src/sandbox/sample-data.js';

describe('sample data', () => {
  const users = sampleUsers();

  it('users[0] has a stackoverflow account, accounts on other sites and unread inbox items', () => {
    const ada = users[0];
    expect(ada?.sites.stackoverflow?.account_id).toBe(ada?.accountId);
    expect(Object.keys(ada?.sites ?? {}).length).toBeGreaterThan(1);
    expect(ada?.network.map((n) => n.site_url)).toContain('https://stackoverflow.com');
    expect(ada?.inbox.some((i) => i.is_unread)).toBe(true);
  });

  it('a user has no stackoverflow account', () => {
    const noSo = users.find((u) => !u.sites.stackoverflow);
    expect(noSo?.sites.math).toBeDefined();
  });

  it('every site account and network account belongs to its user, and account ids are unique', () => {
    expect(new Set(users.map((u) => u.accountId)).size).toBe(users.length);
    for (const u of users) {
      for (const [site, account] of Object.entries(u.sites)) {
        expect(account.account_id).toBe(u.accountId);
        expect(findSite(site)).toBeDefined();
      }
      expect(u.network.map((n) => n.user_id).sort()).toEqual(Object.values(u.sites).map((s) => s.user_id).sort());
    }
  });

  it('is built fresh on every call', () => {
    const a = sampleUsers();
    a[0]!.displayName = 'changed';
    expect(sampleUsers()[0]?.displayName).toBe('Ada Sandbox');
  });

  it('findSite accepts the parameter or the domain, case-insensitively', () => {
    expect(findSite('stackoverflow')?.siteUrl).toBe('https://stackoverflow.com');
    expect(findSite('StackOverflow.com')?.apiSiteParameter).toBe('stackoverflow');
    expect(findSite('math.stackexchange.com')?.apiSiteParameter).toBe('math');
    expect(findSite('stackoverflow.co')).toBeUndefined();
  });

  it('apps have Stack Exchange shaped credentials on localhost', () => {
    for (const c of SAMPLE_CLIENTS) {
      expect(c.key).toMatch(/\(\($/);
      expect(c.domain).toBe('localhost');
    }
  });

  it('has 45 stackoverflow questions with unique ids, owned by sample users', () => {
    const so = sampleQuestions(users).get('stackoverflow') ?? [];
    expect(so).toHaveLength(45);
    expect(new Set(so.map((q) => q.question_id)).size).toBe(45);
    const owners = new Set(users.map((u) => u.accountId));
    expect(so.every((q) => owners.has(q.owner?.account_id ?? 0))).toBe(true);
  });
});
