import { safeHref } from './views/html.js';

/**
 * The profile image URL to put in an `<img>`, or `undefined` to draw the initial instead. In sandbox
 * mode the sample users' images point to the internet, which the sandbox must not depend on, so they
 * are never loaded; otherwise only https URLs are used (the CSP allows `img-src https:`).
 */
export function avatarSource(profileImage: string | null, sandbox: boolean): string | undefined {
  if (sandbox || profileImage === null) return undefined;
  const href = safeHref(profileImage);
  return href?.startsWith('https:') ? href : undefined;
}
