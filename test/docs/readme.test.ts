import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, codeBlocks, documentationPages, links } from './markdown.js';

// The README is the newcomer's first page: short, with the two set-up commands that work on a fresh
// clone, a picture, and a way to every reference page.

const pages = documentationPages();
const readme = pages.find((page) => page.path === 'README.md');
if (!readme) throw new Error('README.md is missing');
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

describe('README.md', () => {
  it('stays at most 300 lines', () => {
    expect(readme.text.split('\n').length).toBeLessThanOrEqual(300);
  });

  it('opens with exactly two set-up commands, `npm install && npm start` and `npm test`, both defined', () => {
    const first = codeBlocks(readme).find((block) => block.lang === 'sh');
    const commands = first?.code.split('\n').map((line) => line.replace(/#.*/, '').trim()).filter(Boolean);
    expect(commands).toEqual(['npm install && npm start', 'npm test']);
    expect(scripts['start']).toBeDefined();
    expect(scripts['test']).toBeDefined();
  });

  it('shows a screenshot of the example app', () => {
    expect(readme.text).toMatch(/!\[[^\]]+\]\(docs\/[\w-]+\.png\)/);
  });

  it('links to every page under docs/', () => {
    const linked = new Set(links(readme).map((link) => link.target.split('#')[0]));
    const unlinked = pages.filter((page) => page.path.startsWith('docs/') && !linked.has(page.path)).map((page) => page.path);
    expect(unlinked).toEqual([]);
  });
});
