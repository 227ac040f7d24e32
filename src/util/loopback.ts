/**
 * True for a host name of this machine's loopback interface (`localhost`, `127.x.x.x`, `[::1]`, as a
 * WHATWG URL spells them): the one place where plain http keeps a secret on the machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** What an option naming an endpoint that gets secrets must be, for option errors. */
export const SECURE_ENDPOINT_RULE = 'must be an https URL (plain http only on a loopback host, such as the sandbox)';

/**
 * True when secrets sent to `url` (a key, a token, a client secret, a code and its verifier) stay off
 * the network in clear: https, or plain http to a loopback host (the sandbox, a local test server).
 */
export function isSecureEndpoint(url: URL): boolean {
  return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname));
}
