import { describe, expect, it } from 'vitest';
import { escapeHtml, html, safeHref, SafeHtml } from '../../../example-app/views/html.js';

describe('html', () => {
  it('escapes interpolated text, once', () => {
    const name = `<script>alert("x")</script> & 'quotes'`;
    expect(html`<p title="${name}">${name}</p>`.toString()).toBe(
      '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>',
    );
  });

  it('inserts nested fragments and arrays as they are, and renders empty values as nothing', () => {
    const items = ['a<', 'b'].map((x) => html`<li>${x}</li>`);
    const out = html`<ul>${items}</ul>${null}${undefined}${false}${true}${0}`;
    expect(out).toBeInstanceOf(SafeHtml);
    expect(out.toString()).toBe('<ul><li>a&lt;</li><li>b</li></ul>0');
  });

  it('escapeHtml escapes the five HTML-special characters', () => {
    expect(escapeHtml(`&<>"'x`)).toBe('&amp;&lt;&gt;&quot;&#39;x');
  });
});

describe('safeHref', () => {
  it('keeps http(s) URLs and refuses other schemes and garbage', () => {
    expect(safeHref('https://stackoverflow.com/q/1')).toBe('https://stackoverflow.com/q/1');
    expect(safeHref('http://localhost:3000/x')).toBe('http://localhost:3000/x');
    expect(safeHref('javascript:alert(1)')).toBeUndefined();
    expect(safeHref('data:text/html,x')).toBeUndefined();
    expect(safeHref('/relative')).toBeUndefined();
  });
});
