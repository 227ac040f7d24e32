import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

/** The repository root (this file is test/docs/markdown.ts). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A page of the documentation: README.md and every docs/*.md. */
export interface MarkdownPage {
  /** Path relative to the repository root, with forward slashes (`docs/strategy.md`). */
  readonly path: string;
  readonly absolutePath: string;
  readonly text: string;
}

/** A fenced code block (```lang flags). */
export interface CodeBlock {
  readonly page: MarkdownPage;
  /** The language, lower-cased (`ts`, `js`, `sh`, `mermaid`, ...); '' when none. */
  readonly lang: string;
  /** Words after the language, e.g. `fragment`. */
  readonly flags: readonly string[];
  readonly code: string;
  /** 1-based line of the first line of code (the line after the opening fence). */
  readonly line: number;
}

/** A Markdown link or image: `[text](target)` or `![alt](target)`, outside code. */
export interface MarkdownLink {
  readonly page: MarkdownPage;
  readonly target: string;
  readonly line: number;
}

/** README.md and docs/*.md, sorted for stable test names. */
export function documentationPages(): MarkdownPage[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`);
  return ['README.md', ...docs].map((path) => {
    const absolutePath = join(ROOT, path);
    return { path, absolutePath, text: readFileSync(absolutePath, 'utf8') };
  });
}

/**
 * A fence line: up to three spaces, then three or more backticks or tildes, then the info string.
 * Read by a scan rather than a regex, so that no quantifier can trade characters with another.
 */
function fenceOf(line: string): { marker: string; info: string } | undefined {
  const indent = line.length - line.trimStart().length;
  if (indent > 3) return undefined;
  const char = line.charAt(indent);
  if (char !== '`' && char !== '~') return undefined;
  let end = indent;
  while (line.charAt(end) === char) end += 1;
  if (end - indent < 3) return undefined;
  return { marker: line.slice(indent, end), info: line.slice(end) };
}

/** CommonMark closes a fence with the same character, at least as long, and nothing after it. */
function closes(line: string, marker: string): boolean {
  const fence = fenceOf(line);
  return fence !== undefined && fence.marker.startsWith(marker.charAt(0)) && fence.marker.length >= marker.length && fence.info.trim() === '';
}

interface Line {
  readonly text: string;
  readonly number: number;
  readonly inFence: boolean;
}

/** Splits a page into lines, marking those inside fenced blocks (fence lines included). */
function classifyLines(text: string): Line[] {
  const lines: Line[] = [];
  let open: string | undefined;
  text.split('\n').forEach((raw, index) => {
    if (open === undefined) {
      open = fenceOf(raw)?.marker;
      lines.push({ text: raw, number: index + 1, inFence: open !== undefined });
      return;
    }
    if (closes(raw, open)) open = undefined;
    lines.push({ text: raw, number: index + 1, inFence: true });
  });
  return lines;
}

/** Every fenced code block of a page. */
export function codeBlocks(page: MarkdownPage): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = page.text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const fence = fenceOf(lines[i] ?? '');
    if (!fence) continue;
    const [lang = '', ...flags] = fence.info.trim().split(' ').filter(Boolean);
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !closes(lines[j] ?? '', fence.marker); j += 1) body.push(lines[j] ?? '');
    blocks.push({ page, lang: lang.toLowerCase(), flags, code: body.join('\n'), line: i + 2 });
    i = j;
  }
  return blocks;
}

/** Blanks inline code spans, so that `[x](y)` inside backticks is not a link (a scan, not a regex with a backreference). */
function withoutInlineCode(line: string): string {
  let out = '';
  let i = 0;
  while (i < line.length) {
    if (line[i] !== '`') {
      out += line.charAt(i);
      i += 1;
      continue;
    }
    let ticks = 0;
    while (line[i + ticks] === '`') ticks += 1;
    const fence = '`'.repeat(ticks);
    const end = line.indexOf(fence, i + ticks);
    if (end === -1) {
      out += fence;
      i += ticks;
      continue;
    }
    out += ' '.repeat(end + ticks - i);
    i = end + ticks;
  }
  return out;
}

/** ATX headings (`## Title`) outside code, in page order. */
export function headings(page: MarkdownPage): Array<{ readonly text: string; readonly level: number; readonly line: number }> {
  return classifyLines(page.text)
    .filter((line) => !line.inFence)
    .map((line) => ({ line, match: /^(#{1,6}) (.*)$/.exec(line.text) }))
    .flatMap(({ line, match }) => {
      if (!match?.[1] || match[2] === undefined) return [];
      // An optional closing sequence of #s is not part of the heading.
      const text = match[2].trim().replace(/ #+$/, '').trim();
      return [{ text, level: match[1].length, line: line.number }];
    });
}

/**
 * GitHub's anchor for a heading (github-slugger): lower case, code and emphasis marks removed,
 * punctuation other than `-` and `_` dropped, each space a hyphen. Duplicates would get `-1`, `-2`:
 * the tests forbid duplicates instead, so that anchors stay readable. (Links inside headings are not
 * supported; the pages have none.)
 */
export function slug(heading: string): string {
  return heading
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** Inline links and images outside code: `[text](target)`, `![alt](target "title")`. */
export function links(page: MarkdownPage): MarkdownLink[] {
  const found: MarkdownLink[] = [];
  for (const line of classifyLines(page.text)) {
    if (line.inFence) continue;
    // The target is the first word inside the parentheses; a title ("...") may follow it.
    for (const match of withoutInlineCode(line.text).matchAll(/\]\(([^)\s]+)(?:\s[^)]*)?\)/g)) {
      const target = match[1]?.replace(/^<|>$/g, '');
      if (target) found.push({ page, target, line: line.number });
    }
  }
  return found;
}

/** A location for failure messages: `docs/strategy.md:42`. */
export function where(page: MarkdownPage, line: number): string {
  return `${relative(ROOT, page.absolutePath)}:${line}`;
}
