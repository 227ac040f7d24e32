/**
 * True for a host name of this machine's loopback interface (`localhost`, `127.x.x.x`, `[::1]`, as a
 * WHATWG URL spells them): the one place where plain http keeps a secret on the machine.
 */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}
