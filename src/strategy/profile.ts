import type { NetworkUser, User, UserType } from '../api/types.js';
import { trimTrailingSlashes } from '../util/trailing-slashes.js';
import { StackExchangeError } from '../errors/stackexchange-error.js';
import { decodeHtmlEntities } from '../util/html-entities.js';
import { LoginErrorCode } from '../errors/error-codes.js';

/**
 * The user as passport profiles go (the Portable Contacts fields passport uses, plus Stack Exchange's).
 *
 * `site` is the site the profile's `userId`, `reputation` and `profileUrl` belong to: the configured
 * site, or, for a user with no account there, the site of their first network account (its domain).
 */
export interface StackExchangeProfile {
  provider: 'stackexchange';
  /** The network-wide `account_id`, as a string (stable across sites). */
  id: string;
  accountId: number;
  /** The `user_id` on `site`. */
  userId: number;
  /** The display name as plain text (Stack Exchange sends it HTML-encoded; `_json` keeps it so). */
  displayName: string;
  profileUrl: string;
  /** The profile image, when there is one. */
  photos: Array<{ value: string }>;
  reputation: number;
  userType: UserType;
  site: string;
  /** The user's accounts across the network, when `networkUsers: true`. */
  networkUsers?: NetworkUser[];
  /** The object the profile was built from: the site `User`, or the `NetworkUser` used as fallback. */
  _json: User | NetworkUser;
}


/** The domain of a network account's site, e.g. `math.stackexchange.com`, usable as the API's `site`. */
function siteOf(account: NetworkUser): string {
  try {
    return new URL(account.site_url).hostname;
  } catch {
    return account.site_url;
  }
}

/**
 * Builds the passport profile from the answer of `/me?site=` and, optionally, `/me/associated`.
 *
 * When `me` is `undefined` (the user has no account on `site`), the profile is built from the first
 * network account instead: `site` becomes that account's domain, `displayName` Stack Exchange's
 * default `user<user_id>` (network accounts carry no name) and `photos` is empty. `displayName` is
 * plain text: Stack Exchange's HTML character references are decoded. `networkUsers` is
 * copied into the profile only when `includeNetwork` is true.
 *
 * @throws StackExchangeError with code `NO_ACCOUNT` when there is neither a site user nor a network account.
 */
export function parseProfile(me: User | undefined, site: string, network?: readonly NetworkUser[], includeNetwork = network !== undefined): StackExchangeProfile {
  const extra = includeNetwork ? { networkUsers: [...(network ?? [])] } : {};
  if (me !== undefined) {
    return {
      provider: 'stackexchange',
      id: String(me.account_id),
      accountId: me.account_id,
      userId: me.user_id,
      displayName: decodeHtmlEntities(me.display_name),
      profileUrl: me.link,
      photos: me.profile_image ? [{ value: me.profile_image }] : [],
      reputation: me.reputation,
      userType: me.user_type,
      site,
      ...extra,
      _json: me,
    };
  }
  const account = network?.[0];
  if (account === undefined) {
    throw new StackExchangeError('The Stack Exchange user has no account on the site nor on the network', { code: LoginErrorCode.NoAccount });
  }
  return {
    provider: 'stackexchange',
    id: String(account.account_id),
    accountId: account.account_id,
    userId: account.user_id,
    displayName: `user${account.user_id}`,
    profileUrl: `${trimTrailingSlashes(account.site_url)}/users/${account.user_id}`,
    photos: [],
    reputation: account.reputation,
    userType: account.user_type,
    site: siteOf(account),
    ...extra,
    _json: account,
  };
}
