import { describe, expect, it } from 'vitest';
import { assertPathTemplate, fillPath, isNetworkWide, methodFamily, placeholders, vectorLimit } from '../../src/api/path-template.js';

describe('fillPath', () => {
  it('fills {ids} with a ;-joined, URL-encoded vector and leaves the other params', () => {
    expect(fillPath('/users/{ids}', { ids: [1, 2, 3], order: 'desc' }, true)).toEqual([{ path: '/users/1;2;3', rest: { order: 'desc' }, vector: true }]);
    expect(fillPath('/tags/{tags}/info', { tags: ['c#', 'node.js', 'a/b'] }, true)).toEqual([{ path: '/tags/c%23;node.js;a%2Fb/info', rest: {}, vector: true }]);
  });

  it('fills {id} with a scalar and {tokens} with an encoded token', () => {
    expect(fillPath('/questions/{id}/upvote', { id: 42, preview: true }, false)).toEqual([{ path: '/questions/42/upvote', rest: { preview: true }, vector: false }]);
    expect(fillPath('/access-tokens/{tokens}', { tokens: 'a(b)c;d' }, true)[0]?.path).toBe('/access-tokens/a(b)c%3Bd');
  });

  it('keeps path traversal out of the path', () => {
    expect(fillPath('/users/{ids}', { ids: '../../sites' }, true)[0]?.path).toBe('/users/..%2F..%2Fsites');
    // A dot segment on its own would be resolved by the URL: another method would be called.
    for (const id of ['..', '.', ['..'], ['.']]) expect(() => fillPath('/users/{id}/questions', { id }, true), JSON.stringify(id)).toThrow(/params\.id must not be "\.\.?" /);
    // Also one value among others: split at the limit, it could be a part of its own.
    expect(() => fillPath('/users/{ids}', { ids: ['..', 1] }, true)).toThrow(/params\.ids must not be "\.\." /);
    expect(() => fillPath('/users/{ids}/answers', { ids: [...Array.from({ length: 100 }, (_, i) => i + 1), '..'] }, true)).toThrow(/must not be "\.\." /);
  });

  it('sends each value of a vector once, also across the parts of a split one', () => {
    expect(fillPath('/users/{ids}', { ids: [3, 1, 3, '1', 2] }, true)[0]?.path).toBe('/users/3;1;2');
    const ids = [...Array.from({ length: 150 }, (_, i) => i + 1), 1, 150];
    expect(fillPath('/users/{ids}', { ids }, true).map((p) => p.path.split('/')[2]?.split(';').length)).toEqual([100, 50]);
  });

  it('splits a vector over 100 ids into chunks of 100', () => {
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const parts = fillPath('/users/{ids}', { ids, site: 'math' }, true);
    expect(parts.map((p) => p.path.split('/')[2]?.split(';').length)).toEqual([100, 100, 50]);
    expect(parts[0]?.path.startsWith('/users/1;2;')).toBe(true);
    expect(parts[2]?.path.endsWith(';250')).toBe(true);
    expect(parts.every((p) => p.rest.site === 'math')).toBe(true);
  });

  it('splits token vectors at 20', () => {
    const tokens = Array.from({ length: 45 }, (_, i) => `t${i}`);
    expect(fillPath('/access-tokens/{tokens}', { tokens }, true).length).toBe(3);
    expect(fillPath('/apps/{tokens}/de-authenticate', { tokens: tokens.slice(0, 20) }, true).length).toBe(1);
  });

  it('refuses to split a write, two oversized vectors, missing and empty values', () => {
    const ids = Array.from({ length: 101 }, (_, i) => i);
    expect(() => fillPath('/users/{ids}', { ids }, false)).toThrow(/at most 100/);
    expect(() => fillPath('/users/{ids}/tags/{tags}', { ids, tags: ids }, true)).toThrow(/only one vector/);
    expect(() => fillPath('/users/{ids}', {}, true)).toThrow(TypeError);
    expect(() => fillPath('/users/{ids}', { ids: [] }, true)).toThrow(/must not be empty/);
    expect(() => fillPath('/users/{ids}', { ids: [''] }, true)).toThrow(/non-empty strings or numbers/);
    expect(() => fillPath('/users/{ids}', { ids: [true] }, true)).toThrow(/non-empty strings or numbers/);
    expect(() => fillPath('/users/{ids}', { ids: Number.NaN }, true)).toThrow(TypeError);
  });
});

describe('assertPathTemplate', () => {
  it('accepts API paths and refuses URLs, queries and protocol-relative paths', () => {
    expect(() => assertPathTemplate('/me')).not.toThrow();
    for (const bad of ['me', 'https://evil.example/me', '//evil.example/me', '/me?site=x', '/me#x', '/me x', '']) {
      expect(() => assertPathTemplate(bad), bad).toThrow(TypeError);
    }
  });

  it('does not echo a key or token from what it refuses', () => {
    expect(() => assertPathTemplate('https://api.stackexchange.com/2.3/me?key=K3Y-secret&access_token=T0K-secret')).toThrow(
      /got "https:\/\/api\.stackexchange\.com\/2\.3\/me\?key=\[REDACTED\]&access_token=\[REDACTED\]"$/,
    );
  });
});

describe('methodFamily', () => {
  it.each([
    ['/me', '/users/{ids}'],
    ['/users/{ids}', '/users/{ids}'],
    ['/users/1;2;3', '/users/{ids}'],
    ['/users/7', '/users/{ids}'],
    ['/me/associated', '/users/{ids}/associated'],
    ['/me/inbox', '/users/{id}/inbox'],
    ['/me/inbox/unread', '/users/{id}/inbox/unread'],
    ['/users/{id}/inbox', '/users/{id}/inbox'],
    ['/me/tags/{tags}/top-answers', '/users/{id}/tags/{tags}/top-answers'],
    ['/me/tags', '/users/{ids}/tags'],
    ['/questions/{id}/upvote', '/questions/{id}/upvote'],
    ['/questions/42/upvote', '/questions/{id}/upvote'],
    ['/questions/{ids}/answers', '/questions/{ids}/answers'],
    ['/posts/{id}/comments/add', '/posts/{id}/comments/add'],
    ['/questions', '/questions'],
    ['/access-tokens/{tokens}', '/access-tokens/{tokens}'],
    ['/access-tokens/{tokens}/invalidate', '/access-tokens/{tokens}/invalidate'],
    ['/access-tokens/abc))', '/access-tokens/{tokens}'],
    ['/access-tokens/abc));def))/invalidate', '/access-tokens/{tokens}/invalidate'],
    ['/apps/abc))/de-authenticate', '/apps/{tokens}/de-authenticate'],
  ])('%s → %s', (path, family) => {
    expect(methodFamily(path)).toBe(family);
  });
});

describe('isNetworkWide', () => {
  it('knows the methods that take no site', () => {
    for (const path of ['/users/{ids}/network-activity', '/me/network-activity', '/users/1;2/network-activity', '/me/merges', '/errors', '/me/associated', '/access-tokens/{tokens}', '/access-tokens/{tokens}/invalidate', '/apps/{tokens}/de-authenticate', '/inbox', '/inbox/unread', '/sites', '/filters/create', '/users/{ids}/associated']) {
      expect(isNetworkWide(path), path).toBe(true);
    }
    for (const path of ['/me', '/me/inbox', '/users/{ids}', '/questions', '/sitesx', '/me/associatedx']) {
      expect(isNetworkWide(path), path).toBe(false);
    }
  });
});

describe('placeholders and vectorLimit', () => {
  it('lists placeholders in order and gives the vector limit per method', () => {
    expect(placeholders('/users/{ids}/tags/{tags}/top-answers')).toEqual(['ids', 'tags']);
    expect(vectorLimit('/users/{ids}')).toBe(100);
    expect(vectorLimit('/access-tokens/{tokens}')).toBe(20);
    expect(vectorLimit('/apps/{tokens}/de-authenticate')).toBe(20);
  });
});
