/**
 * JSON that is safe inside a `<script>` element: no `<`, `>`, `&` or line separators left raw, so no
 * value can close the element or open a comment, whatever it holds.
 */
export function scriptSafeJSON(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
