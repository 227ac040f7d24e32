import type { ApiResponse, NetworkUser, User } from '../api/types.js';
import type { RequestParams } from '../api/params.js';
import { parseProfile } from './profile.js';
import type { StackExchangeProfile } from './profile.js';

/** The part of `StackExchangeClient` the profile needs. */
export interface ProfileApi {
  get<T>(path: string, params?: RequestParams): Promise<ApiResponse<T>>;
}

/**
 * Fetches the user's profile: `/me?site=`, then `/me/associated` when the user has no account on the
 * site (the profile then describes their first network account) or when `networkUsers` is asked for.
 * At most two API calls.
 *
 * @throws StackExchangeApiError / StackExchangeNetworkError from the client, or StackExchangeError
 *   `NO_ACCOUNT` when the user has no account at all.
 */
export async function loadProfile(api: ProfileApi, site: string, networkUsers: boolean): Promise<StackExchangeProfile> {
  const me = await api.get<User>('/me', { site });
  const user = me.items[0];
  if (user !== undefined && !networkUsers) return parseProfile(user, site);
  const associated = await api.get<NetworkUser>('/me/associated', { pagesize: 100 });
  return parseProfile(user, site, associated.items, networkUsers);
}
