/** Names whose values are secrets wherever they appear: query strings, form bodies, JSON, headers. */
const SECRET_NAMES = ['access_token', 'accessToken', 'key', 'client_secret', 'clientSecret', 'code_verifier', 'codeVerifier', 'code'] as const;

const REDACTED = '[REDACTED]';

// Finds candidate names and token-method paths. An alternation of literals with nothing repeated: the
// engine never backtracks over what it matched, so the scan is linear in the input. Everything around
// a candidate (boundaries, separators, quoted values with escapes) is checked by hand below; the
// former regular expressions for quoted values backtracked exponentially on runs of backslashes.
// Longer names come first in SECRET_NAMES so that `code_verifier` is not taken for `code`.
const CANDIDATE = new RegExp(`${SECRET_NAMES.join('|')}|/access-tokens/|/apps/`, 'g');

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\w$]/.test(c);
const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\n' || c === '\r';
// Characters that end a `name=value` value (besides the end of the text).
const FORM_END = new Set(['&', '#', ' ', '\t', '\n', '\r', '"', "'"]);
// Characters that may stand before `name=` in a URL, form body or message.
const FORM_START = new Set(['?', '&', ';', ' ', '\t', '\n', '\r', '"', "'"]);
// Characters that end a token vector in a path.
const PATH_END = new Set(['/', '?', '#', ' ', '\t', '\n', '\r']);

/** Index of the first character at or after `from` that is in `stops`, or `text.length`. */
function scanUntil(text: string, from: number, stops: Set<string>): number {
  let i = from;
  while (i < text.length && !stops.has(text[i] as string)) i++;
  return i;
}

/** Index of the closing `quote` of a quoted value starting at `from` (after the opening quote), skipping escapes; `text.length` when unterminated. */
function closingQuote(text: string, from: number, quote: string): number {
  let i = from;
  while (i < text.length && text[i] !== quote) i += text[i] === '\\' ? 2 : 1;
  return Math.min(i, text.length);
}

/** One redaction: replace `text[start, end)` by `[REDACTED]`. */
interface Cut {
  start: number;
  end: number;
}

/**
 * The value of a secret name found at `[at, nameEnd)`, as `name=value` or `"name": "value"`, or
 * `undefined` when the candidate is not a secret (e.g. `monkey=1`, `keys=3`).
 */
function valueAfterName(text: string, at: number, nameEnd: number): Cut | undefined {
  const before = text[at - 1];
  const next = text[nameEnd];
  if (next === '=' && (at === 0 || FORM_START.has(before as string))) {
    return { start: nameEnd + 1, end: scanUntil(text, nameEnd + 1, FORM_END) };
  }
  // JSON or an inspected object: the name is bare or quoted with the same quote on both sides.
  let i = nameEnd;
  if (before === '"' || before === "'") {
    if (next !== before) return undefined;
    i++;
  } else if (isWordChar(before) || isWordChar(next)) return undefined;
  while (isSpace(text[i])) i++;
  if (text[i] !== ':') return undefined;
  i++;
  while (isSpace(text[i])) i++;
  const quote = text[i];
  if (quote !== '"' && quote !== "'") return undefined;
  return { start: i + 1, end: closingQuote(text, i + 1, quote) };
}

/**
 * Replaces the values of secret-bearing names (`access_token`, `key`, `client_secret`, `code`,
 * `code_verifier`, and their camelCase forms) in URLs, form bodies and JSON with `[REDACTED]`, and the
 * tokens in the path of the `/access-tokens/{tokens}` and `/apps/{tokens}` methods. A quoted value
 * with no closing quote (a truncated message) is redacted to the end of the text.
 *
 * Runs in time linear in the length of `text`, whatever it holds: error messages from the network
 * are hostile input.
 */
export function redact(text: string): string {
  const cuts: Cut[] = [];
  CANDIDATE.lastIndex = 0;
  for (let match = CANDIDATE.exec(text); match !== null; match = CANDIDATE.exec(text)) {
    const at = match.index;
    const end = at + match[0].length;
    const cut = match[0].startsWith('/') ? { start: end, end: scanUntil(text, end, PATH_END) } : valueAfterName(text, at, end);
    if (cut === undefined || cut.end === cut.start) continue;
    cuts.push(cut);
    // Carry on after the value: nothing inside a secret is looked at again, which keeps the scan linear.
    CANDIDATE.lastIndex = cut.end;
  }
  if (cuts.length === 0) return text;
  let out = '';
  let from = 0;
  for (const cut of cuts) {
    out += text.slice(from, cut.start) + REDACTED;
    from = cut.end;
  }
  return out + text.slice(from);
}
