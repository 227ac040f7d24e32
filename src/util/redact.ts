/** Names whose values are secrets wherever they appear: query strings, form bodies, JSON, headers. */
const SECRET_NAMES = ['access_token', 'accessToken', 'key', 'client_secret', 'clientSecret', 'code_verifier', 'codeVerifier', 'code'] as const;

const REDACTED = '[REDACTED]';

// Finds candidate names and token-method paths. An alternation of literals with nothing repeated: the
// engine never backtracks over what it matched, so the scan is linear in the input. Everything around
// a candidate (boundaries, separators, quoted values with escapes) is checked by hand below; the
// former regular expressions for quoted values backtracked exponentially on runs of backslashes.
// Longer names come first in SECRET_NAMES so that `code_verifier` is not taken for `code`.
// Case-insensitive: `ACCESS_TOKEN=` and `Client_Secret=` in someone's log line are the same secrets.
const CANDIDATE = new RegExp(`${SECRET_NAMES.join('|')}|/access-tokens/|/apps/`, 'gi');

const isWordChar = (c: string | undefined): boolean => c !== undefined && /[\w$]/.test(c);
// Characters that end a `name=value` value (besides the end of the text).
const FORM_END = new Set(['&', '#', ' ', '\t', '\n', '\r', '"', "'"]);
// Characters that may stand before `name=` in a URL, form body or message.
const FORM_START = new Set(['?', '&', ';', ' ', '\t', '\n', '\r', '"', "'", ',', '(', '[', '{', '<', '|', ':']);
// Characters that end an unquoted value after `name:` or `name =>` (a header line, an inspected object).
const BARE_END = new Set([',', '}', ']', ' ', '\t', '\n', '\r', ';', '&', '"', "'"]);
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

/** Index of the `\\"` that closes a value quoted inside a JSON string, from `from`; `text.length` when unterminated. */
function closingEscapedQuote(text: string, from: number): number {
  let i = from;
  while (i < text.length && !(text[i] === '\\' && text[i + 1] === '"')) i += text[i] === '\\' ? 2 : 1;
  return Math.min(i, text.length);
}

/** One redaction: replace `text[start, end)` by `[REDACTED]`. */
interface Cut {
  start: number;
  end: number;
}

/** The value starting at `i`: quoted (also `\\"` inside a JSON string), or bare up to one of `bareEnd`. */
function valueAt(text: string, i: number, bareEnd: Set<string>): Cut {
  const quote = text[i];
  if (quote === '"' || quote === "'") return { start: i + 1, end: closingQuote(text, i + 1, quote) };
  if (quote === '\\' && text[i + 1] === '"') return { start: i + 2, end: closingEscapedQuote(text, i + 2) };
  return { start: i, end: scanUntil(text, i, bareEnd) };
}

/**
 * The value of a secret name found at `[at, nameEnd)`: `name=value` (URLs, forms, messages), or
 * `name: value` / `name => value` with the name bare or quoted (JSON, also inside a JSON string,
 * inspected objects, Maps and URLSearchParams, header lines); `undefined` when the candidate is not a
 * secret (e.g. `monkey=1`, `keys=3`).
 */
function valueAfterName(text: string, at: number, nameEnd: number): Cut | undefined {
  const before = text[at - 1];
  const next = text[nameEnd];
  if (next === '=' && text[nameEnd + 1] !== '>' && (at === 0 || FORM_START.has(before as string))) {
    return valueAt(text, nameEnd + 1, FORM_END);
  }
  let i = nameEnd;
  if (before === '"' && text[at - 2] === '\\') {
    // `\"name\"` in a JSON string.
    if (next !== '\\' || text[nameEnd + 1] !== '"') return undefined;
    i += 2;
  } else if (before === '"' || before === "'") {
    if (next !== before) return undefined;
    i++;
  } else if (isWordChar(before) || isWordChar(next)) return undefined;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const arrow = text[i] === '=' && text[i + 1] === '>';
  if (text[i] === ':') i++;
  else if (arrow) i += 2;
  else return undefined;
  while (text[i] === ' ' || text[i] === '\t') i++;
  const value = valueAt(text, i, BARE_END);
  // A bare value after `name:` is a header line's only when the name starts the line; in prose
  // ("error code: 12") it is not a secret. After `=>` (a Map entry) it is.
  const quoted = value.start !== i;
  const headerLine = at === 0 || before === '\n';
  return quoted || headerLine || arrow ? value : undefined;
}

/**
 * Replaces the values of secret-bearing names (`access_token`, `key`, `client_secret`, `code`,
 * `code_verifier`, and their camelCase forms, in any letter case) in URLs, form bodies, JSON (also
 * JSON inside a JSON string), inspected objects, Maps and URLSearchParams, and header lines with
 * `[REDACTED]`, and the
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
