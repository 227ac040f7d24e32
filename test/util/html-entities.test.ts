import { describe, expect, it } from 'vitest';
import { decodeHtmlEntities } from '../../src/util/html-entities.js';

describe('decodeHtmlEntities', () => {
  it('decodes numeric and the common named references', () => {
    expect(decodeHtmlEntities('Se&#225;n O&#39;Sandbox')).toBe("Seán O'Sandbox");
    expect(decodeHtmlEntities('Don&#39;t &quot;parse&quot; HTML &amp; &lt;regex&gt; &#x1F600;&nbsp;&APOS;')).toBe(`Don't "parse" HTML & <regex> 😀\u00a0'`);
  });

  it('decodes once and leaves unknown or invalid references alone', () => {
    expect(decodeHtmlEntities('&amp;lt;')).toBe('&lt;');
    expect(decodeHtmlEntities('&bogus; &#0; &#x110000; & ;')).toBe('&bogus; &#0; &#x110000; & ;');
    // Names every object has are not references.
    expect(decodeHtmlEntities('Ada &constructor; &valueOf; &toString; Lovelace')).toBe('Ada &constructor; &valueOf; &toString; Lovelace');
  });
});
