import { existsSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, codeBlocks, documentationPages, headings, links, slug, where, type MarkdownPage } from './markdown.js';

// The documentation navigates: every relative link in README.md and docs/*.md points at a file that
// exists, every `#anchor` at a heading of the page it names (GitHub's anchors), no page has two
// headings with one anchor (the second would silently become `#name-1`), every page under docs/ has
// a table of contents, and every `src/...` or `test/...` file the pages name exists, so the
// architecture page cannot drift from the tree.

const pages = documentationPages();
const anchorsByPath = new Map(pages.map((page) => [page.absolutePath, new Set(headings(page).map((h) => slug(h.text)))]));

function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target);
}

function brokenLinks(page: MarkdownPage): string[] {
  const broken: string[] = [];
  for (const link of links(page)) {
    if (isExternal(link.target)) continue;
    const hashAt = link.target.indexOf('#');
    const pathPart = hashAt === -1 ? link.target : link.target.slice(0, hashAt);
    const anchor = hashAt === -1 ? undefined : decodeURIComponent(link.target.slice(hashAt + 1));
    const file = pathPart === '' ? page.absolutePath : join(dirname(page.absolutePath), decodeURIComponent(pathPart));
    const at = where(page, link.line);
    if (!existsSync(file)) {
      broken.push(`${at}: ${link.target} (no file ${relative(ROOT, file)})`);
      continue;
    }
    if (anchor === undefined) continue;
    const anchors = anchorsByPath.get(file);
    if (!anchors || statSync(file).isDirectory()) {
      broken.push(`${at}: ${link.target} (an anchor into a file that is not a documentation page)`);
    } else if (!anchors.has(anchor)) {
      broken.push(`${at}: ${link.target} (no heading with anchor #${anchor})`);
    }
  }
  return broken;
}

describe.each(pages.map((page) => [page.path, page] as const))('%s', (_path, page) => {
  it('links only to files and headings that exist', () => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('has no two headings with the same anchor', () => {
    const seen = new Map<string, number>();
    const duplicates: string[] = [];
    for (const heading of headings(page)) {
      const anchor = slug(heading.text);
      const first = seen.get(anchor);
      if (first === undefined) seen.set(anchor, heading.line);
      else duplicates.push(`${where(page, heading.line)}: "${heading.text}" repeats #${anchor} of line ${first}`);
    }
    expect(duplicates).toEqual([]);
  });

  it('names only source and test files that exist', () => {
    const named = new Set<string>();
    const text = [page.text, ...codeBlocks(page).map((block) => block.code)].join('\n');
    for (const match of text.matchAll(/\b((?:src|test|example-app)\/[\w./-]*\.(?:ts|js|json|css))\b/g)) {
      if (match[1]) named.add(match[1]);
    }
    expect([...named].filter((path) => !existsSync(join(ROOT, path)))).toEqual([]);
  });

  if (page.path.startsWith('docs/')) {
    it('starts with a title and a table of contents linking to its own headings', () => {
      const [title, ...sections] = headings(page);
      expect(title?.level).toBe(1);
      const ownAnchors = new Set(links(page).filter((link) => link.target.startsWith('#')).map((link) => link.target.slice(1)));
      const missing = sections.filter((h) => h.level === 2).map((h) => slug(h.text)).filter((anchor) => !ownAnchors.has(anchor));
      expect(missing, 'every ## section is listed in the table of contents').toEqual([]);
    });
  }
});

describe('slug', () => {
  it('makes GitHub anchors', () => {
    expect(slug('stackExchangeAuth(): the router')).toBe('stackexchangeauth-the-router');
    expect(slug('`req.stackexchange`, `requireLogin()`')).toBe('reqstackexchange-requirelogin');
    expect(slug('Options of createSandbox()')).toBe('options-of-createsandbox');
    expect(slug('Desktop apps: tokenRelay() and desktopLogin()')).toBe('desktop-apps-tokenrelay-and-desktoplogin');
    expect(slug('snake_case & more')).toBe('snake_case--more');
  });
});
