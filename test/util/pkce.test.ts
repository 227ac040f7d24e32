import { describe, expect, it } from 'vitest';
import { codeChallengeS256, createCodeVerifier, isCodeVerifier } from '../../src/util/pkce.js';

describe('PKCE', () => {
  it('matches the RFC 7636 Appendix B vector', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes fresh 43-character base64url verifiers', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100; i++) {
      const v = createCodeVerifier();
      expect(v).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(isCodeVerifier(v)).toBe(true);
      seen.add(v);
    }
    expect(seen.size).toBe(100);
  });

  it('rejects malformed verifiers', () => {
    expect(isCodeVerifier('short')).toBe(false);
    expect(isCodeVerifier('a'.repeat(129))).toBe(false);
    expect(isCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isCodeVerifier(42)).toBe(false);
    expect(isCodeVerifier('a'.repeat(43))).toBe(true);
  });
});
