// A Map: a name such as `constructor` must not find what every object has.
const NAMED = new Map<string, string>([['amp', '&'], ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['nbsp', '\u00a0']]);

/**
 * Decodes the character references Stack Exchange puts in its text fields: `display_name`,
 * `site_name`, `title` and others come HTML-encoded (`Se&#225;n O&#39;Sandbox`, `Arts &amp; Crafts`).
 * Numeric references and `amp`, `lt`, `gt`, `quot`, `apos`, `nbsp` are decoded; anything else is left
 * as it is. The result is plain text: escape it again before putting it into HTML.
 */
export function decodeHtmlEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (match, ref: string) => {
    if (ref.startsWith('#')) {
      const code = ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number(ref.slice(1));
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : match;
    }
    return NAMED.get(ref.toLowerCase()) ?? match;
  });
}
