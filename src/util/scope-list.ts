/**
 * Splits a scope list written as text into its names: Stack Exchange and its apps separate them with
 * commas or spaces (`'read_inbox,no_expiry'`, `'read_inbox no_expiry'`). Empty names are dropped;
 * names are neither checked nor de-duplicated.
 */
export function splitScopeList(text: string): string[] {
  return text.split(/[\s,]+/).filter((name) => name !== '');
}
