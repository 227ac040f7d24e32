import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, LOGIN_FAILURE_STATUS } from 'passport-stackexchange-oauth2';
import { ROOT } from './markdown.js';

// docs/errors.md promises "a table of ALL error codes". This test reads the codes from the sources
// (every `code: 'X'`, every value of an exported `...Code` constant object, every exported
// `const X = 'SOME_CODE'` whose name says it is a code) and fails when one is missing from the page,
// so a helper adding a code cannot forget the docs. The router's failure codes are checked with
// their statuses, on both pages that list them.

const errorsPage = readFileSync(join(ROOT, 'docs/errors.md'), 'utf8');
const routerPage = readFileSync(join(ROOT, 'docs/router.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'sandbox' ? [] : sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/** The codes of the package's errors, each with the file it was found in. */
function codesInSources(): Map<string, string> {
  const codes = new Map<string, string>();
  const add = (code: string | undefined, file: string): void => {
    if (code !== undefined && !codes.has(code)) codes.set(code, relative(ROOT, file));
  };
  for (const file of sourceFiles(join(ROOT, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bcode: '([A-Z][A-Z0-9_]+)'/g)) add(match[1], file);
    for (const match of text.matchAll(/export const \w*(?:Code|CODE)\w* = '([A-Z][A-Z0-9_]+)'/g)) add(match[1], file);
    for (const match of text.matchAll(/export const [A-Z][A-Z0-9_]* = '([A-Z][A-Z0-9_]+)'/g)) add(match[1], file);
    for (const start of text.matchAll(/export const \w+Code = \{/g)) {
      const body = text.slice((start.index) + start[0].length, text.indexOf('}', start.index));
      for (const value of body.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) add(value[1], file);
    }
  }
  return codes;
}

/** The cells after the code of the first table row `| \`code\` | ... |` of a page. */
function rowOf(page: string, code: string): string[] | undefined {
  const row = page.split('\n').find((line) => line.startsWith(`| \`${code}\` |`));
  return row?.split('|').slice(2).map((cell) => cell.trim());
}

/** The status column of a table row `| \`code\` | status | ... |`. */
function statusInTable(page: string, code: string): string | undefined {
  return rowOf(page, code)?.[0];
}

describe('docs/errors.md', () => {
  it('lists every error code the sources define', () => {
    const codes = codesInSources();
    expect(codes.size).toBeGreaterThan(15);
    const missing = [...codes].filter(([code]) => !errorsPage.includes(`\`${code}\``)).map(([code, file]) => `${code} (${file})`);
    expect(missing).toEqual([]);
  });

  it.each(ERROR_CODES.map((info) => [info.code, info] as const))('gives %s the class and status of ERROR_CODES', (code, info) => {
    // Error codes table: | `code` | `class` | status | when |
    const [errorClass, status] = rowOf(errorsPage, code) ?? [];
    expect(errorClass).toBe(`\`${info.errorClass}\``);
    if (typeof info.status === 'number') expect(status).toBe(String(info.status));
  });

  it.each(Object.entries(LOGIN_FAILURE_STATUS))('gives login failure code %s its status %i, as docs/router.md does', (code, status) => {
    expect(statusInTable(errorsPage, code)).toBe(String(status));
    expect(statusInTable(routerPage, code)).toBe(String(status));
  });
});
