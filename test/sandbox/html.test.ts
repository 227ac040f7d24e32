import { describe, expect, it } from 'vitest';
import { errorPage, escapeHtml, layout } from '../../src/sandbox/html.js';

describe('html', () => {
  it('escapeHtml escapes the characters that matter in content and attributes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&\`</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#96;&#60;/a&#62;');
    expect(escapeHtml('plain text é')).toBe('plain text é');
  });

  it('layout and errorPage escape the title and message and use only inline style', () => {
    const page = errorPage('<b>t</b>', '<i>m</i>');
    expect(page).not.toMatch(/<b>|<i>/);
    expect(page).toContain('<title>&#60;b&#62;t&#60;/b&#62;</title>');
    expect(layout('x', '<p>y</p>')).toMatch(/<style>[\s\S]*<\/style>/);
    expect(page).not.toMatch(/<link|<script|https?:\/\//);
  });
});
