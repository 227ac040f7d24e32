import { describe, expect, it } from 'vitest';
import { parseTrustProxy, readConfig } from '../../example-app/config.js';

describe('readConfig', () => {
  it('defaults to the sandbox on ports 3000 and 4000 with a generated session secret', () => {
    const config = readConfig({});
    expect(config).toMatchObject({
      port: 3000,
      sandboxPort: 4000,
      host: undefined,
      credentials: undefined,
      publicURL: undefined,
      callbackURL: undefined,
      redisURL: undefined,
      production: false,
      trustProxy: false,
      sessionSecretGenerated: true,
    });
    expect(config.sessionSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(readConfig({}).sessionSecret).not.toBe(config.sessionSecret);
  });

  it('reads every variable', () => {
    const config = readConfig({
      PORT: '8080',
      SANDBOX_PORT: '0',
      HOST: '127.0.0.1',
      SE_CLIENT_ID: '1234',
      SE_KEY: 'key((',
      SE_CLIENT_SECRET: 'secret))',
      PUBLIC_URL: 'https://app.example.org/',
      SE_CALLBACK_URL: 'https://app.example.org/auth/callback',
      SESSION_SECRET: 'a long secret',
      REDIS_URL: 'redis://127.0.0.1:6379',
      NODE_ENV: 'production',
      TRUST_PROXY: '1',
    });
    expect(config).toEqual({
      port: 8080,
      sandboxPort: 0,
      host: '127.0.0.1',
      credentials: { clientID: '1234', key: 'key((', clientSecret: 'secret))' },
      publicURL: 'https://app.example.org',
      callbackURL: 'https://app.example.org/auth/callback',
      sessionSecret: 'a long secret',
      sessionSecretGenerated: false,
      redisURL: 'redis://127.0.0.1:6379',
      production: true,
      trustProxy: 1,
    });
  });

  it('leaves the client secret out when it is not set (a public client)', () => {
    expect(readConfig({ SE_CLIENT_ID: '1', SE_KEY: 'k', SE_CLIENT_SECRET: '' }).credentials).toEqual({ clientID: '1', key: 'k' });
  });

  it('refuses half-set credentials, bad ports and bad URLs, naming the variable', () => {
    expect(() => readConfig({ SE_CLIENT_ID: '1' })).toThrow(/SE_CLIENT_ID and SE_KEY/);
    expect(() => readConfig({ SE_KEY: 'k' })).toThrow(/SE_CLIENT_ID and SE_KEY/);
    expect(() => readConfig({ PORT: 'http' })).toThrow(/PORT must be a port number .*PORT=3000/);
    expect(() => readConfig({ SANDBOX_PORT: '70000' })).toThrow(/SANDBOX_PORT/);
    expect(() => readConfig({ PUBLIC_URL: 'example.org' })).toThrow(/PUBLIC_URL must be an absolute URL/);
    expect(() => readConfig({ SE_CALLBACK_URL: 'ftp://example.org/cb' })).toThrow(/SE_CALLBACK_URL must be an http\(s\) URL/);
    expect(() => readConfig({ NODE_ENV: 'production' })).toThrow(/SESSION_SECRET is required when NODE_ENV=production/);
  });
});

describe('parseTrustProxy', () => {
  it('reads booleans, hop counts and address lists the way Express does', () => {
    expect(parseTrustProxy(undefined)).toBe(false);
    expect(parseTrustProxy(' ')).toBe(false);
    expect(parseTrustProxy('true')).toBe(true);
    expect(parseTrustProxy('false')).toBe(false);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('loopback, 10.0.0.0/8')).toBe('loopback, 10.0.0.0/8');
  });
});
