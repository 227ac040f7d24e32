import { describe, expect, it } from 'vitest';
import { popupLoginResult } from '../../src/express/popup-result.js';
import type { PopupResultApi } from '../../src/express/popup-result.js';

function fakeApi(answers: Record<string, unknown[]>): PopupResultApi & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    async get<T>(path: string) {
      calls.push(path);
      const items = (answers[path] ?? []) as T[];
      return { items, hasMore: false, quotaMax: 10_000, quotaRemaining: 9_999, raw: { items, has_more: false, quota_max: 10_000, quota_remaining: 9_999 } };
    },
  };
}

const tokens = { accessToken: 'tok', expiresAt: Date.UTC(2030, 0, 1), scope: [] };

describe('popupLoginResult', () => {
  it('takes the account from the strategy profile without API calls', async () => {
    const api = fakeApi({});
    const result = await popupLoginResult({ accountId: 5, displayName: 'Ada' }, tokens, false, api, 'stackoverflow');
    expect(result).toEqual({ type: 'stackexchange:login', accountId: 5, displayName: 'Ada', expirationDate: '2030-01-01T00:00:00.000Z' });
    expect(api.calls).toEqual([]);
    expect(JSON.stringify(result)).not.toContain('tok');
  });

  it('asks /me when the app made its own user object', async () => {
    const api = fakeApi({ '/me': [{ account_id: 9, display_name: 'Bob' }] });
    const result = await popupLoginResult({ id: 'app-user-1' }, { ...tokens, expiresAt: null }, false, api, 'stackoverflow');
    expect(result).toMatchObject({ accountId: 9, displayName: 'Bob', expirationDate: null });
  });

  it('falls back to the first network account, and adds network users when asked', async () => {
    const network = [{ account_id: 3, user_id: 77, site_name: 'Math', site_url: 'https://math.stackexchange.com' }];
    const api = fakeApi({ '/me/associated': network });
    const result = await popupLoginResult('user-id', tokens, true, api, 'stackoverflow');
    expect(result).toMatchObject({ accountId: 3, displayName: 'user77', networkUsers: network });
    expect(api.calls).toEqual(['/me', '/me/associated']);
  });

  it('uses the profile network users when it has them', async () => {
    const api = fakeApi({});
    const result = await popupLoginResult({ accountId: 5, displayName: 'Ada', networkUsers: [{ account_id: 5 }] }, tokens, true, api, 'stackoverflow');
    expect(result.networkUsers).toEqual([{ account_id: 5 }]);
    expect(api.calls).toEqual([]);
  });
});
