import { describe, expect, it } from 'vitest';
import { isLoopbackHost, isSecureEndpoint } from '../../src/util/loopback.js';

describe('isLoopbackHost', () => {
  it('knows the loopback names as a URL spells them', () => {
    for (const url of ['http://localhost:3000/', 'http://127.0.0.1/', 'http://127.1.2.3:8080/', 'http://[::1]:4000/', 'http://LOCALHOST/']) expect(isLoopbackHost(new URL(url).hostname), url).toBe(true);
  });

  it('refuses other hosts, including look-alikes', () => {
    for (const url of ['http://stackoverflow.com/', 'http://localhost.example/', 'http://127.0.0.1.example/', 'http://10.0.0.1/', 'http://[::2]/', 'http://sandbox:4000/']) expect(isLoopbackHost(new URL(url).hostname), url).toBe(false);
  });

  it('isSecureEndpoint: https anywhere, plain http to a loopback host only, nothing else', () => {
    for (const url of ['https://stackoverflow.com/oauth', 'http://localhost:4000/oauth', 'http://127.0.0.1/x']) expect(isSecureEndpoint(new URL(url)), url).toBe(true);
    for (const url of ['http://stackoverflow.com/oauth', 'ftp://localhost/x', 'ws://localhost/x']) expect(isSecureEndpoint(new URL(url)), url).toBe(false);
  });
});
