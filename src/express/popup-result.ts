import type { NetworkUser, User } from '../api/types.js';
import { POPUP_MESSAGE_TYPE } from './client-script.js';
import type { PopupLoginSuccess } from './popup-page.js';
import type { SessionTokens } from './session-tokens.js';
import { decodeHtmlEntities } from '../util/html-entities.js';

/** The API calls the popup result may need (a `StackExchangeClient` with the new token fits). */
export interface PopupResultApi {
  get<T>(path: string, params?: Record<string, string | number>): Promise<{ items: T[] }>;
}

function field<T>(user: unknown, name: string, type: 'number' | 'string'): T | undefined {
  if (typeof user !== 'object' || user === null) return undefined;
  const value = (user as Record<string, unknown>)[name];
  return typeof value === type ? (value as T) : undefined;
}

/**
 * What a successful popup login posts to the opener. `accountId` and `displayName` come from the
 * passport user when it is the strategy's profile (or has those fields), otherwise from `/me` (or the
 * first network account for a user with no account on `site`). `networkUsers` is added when asked
 * for: from the profile when it has them, otherwise from `/me/associated`. Never the token.
 *
 * @throws StackExchangeApiError / StackExchangeNetworkError when an API call fails.
 */
export async function popupLoginResult(user: unknown, tokens: SessionTokens, wantNetworkUsers: boolean, api: PopupResultApi, site: string): Promise<PopupLoginSuccess> {
  let accountId = field<number>(user, 'accountId', 'number');
  let displayName = field<string>(user, 'displayName', 'string');
  let network = (user as { networkUsers?: unknown } | null)?.networkUsers;
  const loadNetwork = async (): Promise<NetworkUser[]> => (await api.get<NetworkUser>('/me/associated', { pagesize: 100 })).items;
  if (accountId === undefined || displayName === undefined) {
    const me = (await api.get<User>('/me', { site })).items[0];
    if (me !== undefined) {
      accountId = me.account_id;
      displayName = decodeHtmlEntities(me.display_name);
    } else {
      const accounts = await loadNetwork();
      network = accounts;
      const first = accounts[0];
      accountId = first?.account_id ?? 0;
      displayName = first === undefined ? '' : `user${first.user_id}`;
    }
  }
  const result: PopupLoginSuccess = {
    type: POPUP_MESSAGE_TYPE,
    accountId,
    displayName,
    expirationDate: tokens.expiresAt === null ? null : new Date(tokens.expiresAt).toISOString(),
  };
  if (wantNetworkUsers) result.networkUsers = Array.isArray(network) ? (network as NetworkUser[]) : await loadNetwork();
  return result;
}
