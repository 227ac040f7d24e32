import { describe, expect, it } from 'vitest';
import { GENERATED_ACCOUNT_BASE, GENERATED_USER_ID_BASE, generatedUsers } from '../../src/sandbox/generated-users.js';
import { sampleUsers } from '../../src/sandbox/sample-data.js';

describe('generatedUsers', () => {
  it('builds the same people on every call', () => {
    expect(generatedUsers(300)).toEqual(generatedUsers(300));
    expect(generatedUsers(0)).toEqual([]);
  });

  it('numbers accounts and stackoverflow users from their bases; every third is also on superuser', () => {
    const people = generatedUsers(300);
    expect(people).toHaveLength(300);
    expect(people[0]).toMatchObject({ accountId: GENERATED_ACCOUNT_BASE + 1, displayName: 'Sample User 1', inbox: [] });
    expect(people[0]?.sites.stackoverflow?.user_id).toBe(GENERATED_USER_ID_BASE + 1);
    expect(people[299]?.sites.stackoverflow?.user_id).toBe(GENERATED_USER_ID_BASE + 300);
    expect(people.filter((p) => p.sites.superuser)).toHaveLength(100);
    expect(people[2]?.network.map((n) => n.site_name)).toEqual(['Stack Overflow', 'Super User']);
  });

  it('has distinct account ids, user ids and reputations, none shared with the sample people', () => {
    const people = generatedUsers(300);
    const sample = new Set(sampleUsers().map((u) => u.accountId));
    expect(new Set(people.map((p) => p.accountId)).size).toBe(300);
    expect(people.some((p) => sample.has(p.accountId))).toBe(false);
    expect(new Set(people.map((p) => p.sites.stackoverflow?.reputation)).size).toBe(300);
  });
});
