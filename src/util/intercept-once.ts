/** A callback-style method: `(done) => void`. */
export type CallbackMethod = (done: (err?: unknown) => void) => void;

/**
 * Intercepts the next call of `target[name]` (a callback-style method such as express-session's
 * `regenerate` or `save`): `intercept(original, done)` runs instead, with `original` bound to
 * `target`. The hook is `target`'s own non-enumerable property, so a session store never saves it,
 * and it removes itself before it runs (an own method it replaced is put back). Returns false when `target[name]` is not a function.
 */
export function interceptOnce(target: object, name: string, intercept: (original: CallbackMethod, done: (err?: unknown) => void) => void): boolean {
  const holder = target as Record<string, unknown>;
  const original = holder[name];
  if (typeof original !== 'function') return false;
  // express-session defines `save` and `reload` on the session itself: put such an own method back.
  const own = Object.getOwnPropertyDescriptor(target, name);
  Object.defineProperty(target, name, {
    configurable: true,
    enumerable: false,
    writable: true,
    value(done: (err?: unknown) => void): void {
      if (own === undefined) Reflect.deleteProperty(target, name);
      else Object.defineProperty(target, name, own);
      intercept((callback) => (original as CallbackMethod).call(target, callback), done);
    },
  });
  return true;
}
