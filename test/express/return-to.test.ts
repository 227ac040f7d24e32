import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/express/return-to.js';

const BASE = 'https://app.example';

/** How a browser resolves a Location value against the app's page. */
function resolvedOrigin(location: string): string {
  return new URL(location, `${BASE}/page`).origin;
}

describe('safeReturnTo', () => {
  it.each([
    ['/'],
    ['/questions'],
    ['/questions/123?tab=votes#answers'],
    ['/search?q=a%20b'],
    ['/a b'],
    ['/caf%C3%A9'],
  ])('accepts the same-origin path %s', (value) => {
    const result = safeReturnTo(value);
    expect(result).toBeDefined();
    expect(resolvedOrigin(result as string)).toBe(BASE);
  });

  it('normalises dot segments and encodes what must be encoded', () => {
    expect(safeReturnTo('/a/../b/./c')).toBe('/b/c');
    expect(safeReturnTo('/a b')).toBe('/a%20b');
  });

  it.each([
    ['protocol-relative', '//evil.example'],
    ['protocol-relative with path', '//evil.example/path'],
    ['slash-backslash', '/\\evil.example'],
    ['backslashes', '\\\\evil.example'],
    ['backslash later', '/a\\b'],
    ['absolute https', 'https://evil.example/'],
    ['absolute http', 'http://evil.example'],
    ['javascript scheme', 'javascript:alert(1)'],
    ['data scheme', 'data:text/html,<script>alert(1)</script>'],
    ['scheme without slashes', 'https:evil.example'],
    ['relative without slash', 'evil.example'],
    ['dot relative', './x'],
    ['empty', ''],
    ['tab', '/\t/evil.example'],
    ['newline', '/\n/evil.example'],
    ['carriage return', '/x\r\nSet-Cookie: a=b'],
    ['NUL', '/x\u0000y'],
    ['DEL', '/x\u007fy'],
    ['C1 control', '/x\u0085y'],
    ['line separator', '/x\u2028y'],
    ['bidi override', '/x\u202ey'],
    ['leading space', ' //evil.example'],
    ['encoded slash', '/%2Fevil.example'],
    ['encoded slash, upper and lower case', '/%2fevil.example'],
    ['encoded double slash', '%2F%2Fevil.example'],
    ['encoded backslash', '/%5Cevil.example'],
    ['encoded backslash, lower case', '/%5cevil.example'],
    ['encoded tab', '/%09/evil.example'],
    ['encoded newline', '/x%0D%0ASet-Cookie:%20a=b'],
    ['encoded NUL', '/x%00'],
    ['double-encoded slash', '/%252Fevil.example'],
    ['double-encoded backslash', '/%255Cevil.example'],
    ['double-encoded newline', '/x%250d%250a'],
    ['triple-encoded slash', '/%25252Fevil.example'],
    ['encoded scheme', 'javascript%3Aalert(1)'],
    ['malformed escape', '/x%E0%A4%A'],
    ['too long', `/${'a'.repeat(2048)}`],
  ])('refuses %s', (_name, value) => {
    expect(safeReturnTo(value)).toBeUndefined();
  });

  it('refuses values that are not strings', () => {
    for (const value of [undefined, null, 1, ['/a'], { a: '/b' }]) expect(safeReturnTo(value)).toBeUndefined();
  });

  it('applies allowedReturnTo prefixes to the normalised path', () => {
    const allowed = ['/app', '/settings/'];
    expect(safeReturnTo('/app', allowed)).toBe('/app');
    expect(safeReturnTo('/app/x?y=1', allowed)).toBe('/app/x?y=1');
    expect(safeReturnTo('/app?y=1', allowed)).toBe('/app?y=1');
    expect(safeReturnTo('/settings/profile', allowed)).toBe('/settings/profile');
    expect(safeReturnTo('/apple', allowed)).toBeUndefined();
    expect(safeReturnTo('/settings', allowed)).toBeUndefined();
    expect(safeReturnTo('/app/../admin', allowed)).toBeUndefined();
  });

  it('applies an allowedReturnTo predicate', () => {
    const seen: string[] = [];
    const allowed = (path: string) => {
      seen.push(path);
      return path.startsWith('/ok');
    };
    expect(safeReturnTo('/ok/./x', allowed)).toBe('/ok/x');
    expect(safeReturnTo('/no', allowed)).toBeUndefined();
    expect(seen).toEqual(['/ok/x', '/no']);
  });

  describe('properties', () => {
    const layersOf = (value: string): string[] => {
      const layers = [value];
      for (let i = 0; i < 6; i += 1) {
        try {
          const next = decodeURIComponent(layers[layers.length - 1] as string);
          if (next === layers[layers.length - 1]) break;
          layers.push(next);
        } catch {
          break;
        }
      }
      return layers;
    };

    it('anything accepted stays on the app origin, in every decoded form', () => {
      const alphabet = fc.constantFrom('/', '\\', '%', '2', 'F', 'f', '5', 'C', 'c', '0', '9', 'D', 'A', ':', '.', '?', '#', 'a', 'e', '@', ' ', '\t', '\n', '\u0000', '\u2028', '\u202e');
      const candidate = fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 24 }), fc.string({ unit: 'grapheme', maxLength: 24 }));
      fc.assert(
        fc.property(candidate, (value) => {
          const result = safeReturnTo(value);
          if (result === undefined) return;
          expect(result.startsWith('/')).toBe(true);
          for (const form of [...layersOf(value), ...layersOf(result)]) {
            expect(form.startsWith('//')).toBe(false);
            expect(form.includes('\\')).toBe(false);
            expect(/[\p{Cc}\u2028\u2029]/u.test(form)).toBe(false);
            if (form.startsWith('/')) expect(resolvedOrigin(form)).toBe(BASE);
          }
          expect(resolvedOrigin(result)).toBe(BASE);
        }),
        { numRuns: 3000 },
      );
    });

    it('every attack prefix is refused whatever follows it', () => {
      const attack = fc.constantFrom('//', '/\\', '\\\\', '\\/', 'https://', 'javascript:', '/%2F', '/%2f', '/%5C', '/%5c', '/%252F', '/%255C', '%2F%2F', '/\t/', '/%09/', '/%0a/', ' /', '/\u0000');
      fc.assert(
        fc.property(attack, fc.string({ maxLength: 30 }), (prefix, rest) => {
          expect(safeReturnTo(prefix + rest)).toBeUndefined();
        }),
        { numRuns: 2000 },
      );
    });

    it('plain paths of safe segments are accepted unchanged', () => {
      const segment = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-_~'.split('')), minLength: 1, maxLength: 10 });
      fc.assert(
        fc.property(fc.array(segment, { maxLength: 6 }), (segments) => {
          const path = `/${segments.join('/')}`;
          expect(safeReturnTo(path)).toBe(path);
        }),
      );
    });
  });
});
