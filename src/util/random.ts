import { randomBytes } from 'node:crypto';

/**
 * An opaque, URL-safe value from the CSPRNG: 32 bytes (256 bits) as 43 base64url characters.
 * Used for OAuth `state` and relay keys; it carries no data.
 */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
