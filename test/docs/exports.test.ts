import { describe, expect, it } from 'vitest';
import * as pkg from 'passport-stackexchange-oauth2';
import * as sandbox from 'passport-stackexchange-oauth2/sandbox';
import { documentationPages } from './markdown.js';

// Every value the package exports (classes, functions, constants) is named somewhere in README.md or
// docs/: a new export without a word in the reference pages fails here. Types are left to the
// generated API reference (`npm run docs`), whose TypeDoc run refuses undocumented exports.

const text = documentationPages()
  .map((page) => page.text)
  .join('\n');

describe('the documentation pages', () => {
  it.each([...Object.keys(pkg), ...Object.keys(sandbox)])('name the export %s', (name) => {
    expect(text.includes(`\`${name}`) || text.includes(`${name}(`), name).toBe(true);
  });
});
