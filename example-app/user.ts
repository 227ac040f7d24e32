import type { StackExchangeProfile } from 'passport-stackexchange-oauth2';
import { decodeHtmlEntities } from 'passport-stackexchange-oauth2';

/** One of the person's accounts across the network, as kept in the session. */
export interface AppNetworkAccount {
  siteName: string;
  siteUrl: string;
  reputation: number;
}

/**
 * What the app keeps in the session about the logged-in person (through `serializeUser`): small,
 * public details only. The access token is kept apart by the router and never put here.
 */
export interface AppUser {
  accountId: number;
  displayName: string;
  /** The profile image URL, or `null` when there is none. */
  profileImage: string | null;
  reputation: number;
  /** The API `site` the profile belongs to (`stackoverflow`, or a domain for someone without one). */
  site: string;
  /** The site's name, e.g. `Stack Overflow`. */
  siteName: string;
  profileUrl: string;
  networkAccounts: AppNetworkAccount[];
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** Builds the session's {@link AppUser} from the strategy's profile (fetched with `networkUsers: true`). */
export function toAppUser(profile: StackExchangeProfile): AppUser {
  const network = profile.networkUsers ?? [];
  const host = hostOf(profile.profileUrl);
  const home = network.find((a) => host !== undefined && hostOf(a.site_url) === host);
  return {
    accountId: profile.accountId,
    displayName: profile.displayName,
    profileImage: profile.photos[0]?.value ?? null,
    reputation: profile.reputation,
    site: profile.site,
    siteName: home === undefined ? (host ?? profile.site) : decodeHtmlEntities(home.site_name),
    profileUrl: profile.profileUrl,
    networkAccounts: network.map((a) => ({ siteName: decodeHtmlEntities(a.site_name), siteUrl: a.site_url, reputation: a.reputation })),
  };
}

/**
 * Checks a value read back from the session store; anything else (an old or tampered entry) is
 * treated as logged out rather than trusted.
 */
export function isAppUser(value: unknown): value is AppUser {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v['accountId'] === 'number' &&
    typeof v['displayName'] === 'string' &&
    (typeof v['profileImage'] === 'string' || v['profileImage'] === null) &&
    typeof v['reputation'] === 'number' &&
    typeof v['site'] === 'string' &&
    typeof v['siteName'] === 'string' &&
    typeof v['profileUrl'] === 'string' &&
    Array.isArray(v['networkAccounts'])
  );
}
