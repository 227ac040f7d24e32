/** A relay key (the OAuth `state`): URL-safe base64 alphabet, 22–128 characters (≥128 bits at 22). */
const RELAY_KEY = /^[A-Za-z0-9_-]{22,128}$/;
/** An app id: a Stack Apps client id (digits) or any short URL-safe name. */
const APP_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** True when `value` is a well-formed relay key: `[A-Za-z0-9_-]`, 22–128 characters. */
export function isRelayKey(value: unknown): value is string {
  return typeof value === 'string' && RELAY_KEY.test(value);
}

/** True when `value` is a well-formed app id: `[A-Za-z0-9_-]`, 1–64 characters. */
export function isAppId(value: unknown): value is string {
  return typeof value === 'string' && APP_ID.test(value);
}

/**
 * The key a result is stored under: the app id and the relay key joined by `:`. Neither may contain
 * `:`, so two apps using the same state can never collide, and a key without an app id (`:state`)
 * never collides with one that has one.
 */
export function storageKey(appId: string | undefined, key: string): string {
  return `${appId ?? ''}:${key}`;
}
