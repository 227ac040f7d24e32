import type { NetworkUser } from '../api/types.js';
import { loadProfile } from '../strategy/load-profile.js';
import type { ProfileApi } from '../strategy/load-profile.js';
import { POPUP_MESSAGE_TYPE } from './popup-page.js';
import type { PopupLoginSuccess } from './popup-page.js';
import type { SessionTokens } from './session-tokens.js';

/** The API calls the popup result may need (a `StackExchangeClient` with the new token fits). */
export type PopupResultApi = ProfileApi;

function fieldOf(user: unknown, name: string): unknown {
  return typeof user === 'object' && user !== null ? (user as Record<string, unknown>)[name] : undefined;
}

/**
 * What a successful popup login posts to the opener. `accountId` and `displayName` come from the
 * passport user when it is the strategy's profile (or has those fields), otherwise from the strategy's
 * own profile loading (`loadProfile`: `/me`, or the first network account for a user with no account on `site`). `networkUsers` is added when asked
 * for: from the profile when it has them, otherwise from `/me/associated`. Never the token.
 *
 * @throws StackExchangeApiError / StackExchangeNetworkError when an API call fails.
 */
export async function popupLoginResult(user: unknown, tokens: SessionTokens, wantNetworkUsers: boolean, api: PopupResultApi, site: string): Promise<PopupLoginSuccess> {
  const id = fieldOf(user, 'accountId');
  let accountId = typeof id === 'number' ? id : undefined;
  const name = fieldOf(user, 'displayName');
  let displayName = typeof name === 'string' ? name : undefined;
  let network = (user as { networkUsers?: unknown } | null)?.networkUsers;
  const loadNetwork = async (): Promise<NetworkUser[]> => (await api.get<NetworkUser>('/me/associated', { pagesize: 100 })).items;
  if (accountId === undefined || displayName === undefined) {
    const profile = await loadProfile(api, site, wantNetworkUsers);
    accountId = profile.accountId;
    displayName = profile.displayName;
    if (profile.networkUsers !== undefined) network = profile.networkUsers;
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
