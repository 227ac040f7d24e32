/** One formatter for every count and reputation on the pages, matching the pages' `lang="en"`. */
const NUMBER = new Intl.NumberFormat('en-US');

/** `15230` → `15,230`: reputations, question and answer counts, item counts. */
export function formatNumber(value: number): string {
  return NUMBER.format(value);
}
