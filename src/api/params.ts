/** A single parameter value. `Date`s are sent as Unix seconds, booleans as `true`/`false`. */
export type ParamValue = string | number | boolean | Date;

/**
 * The parameters of an API call: path-template values (`ids`, `id`, `tokens`, ...) and query or form
 * fields (`tagged`, `pagesize`, `fromdate`, `preview`, ...). Arrays are vectors and are joined with `;`;
 * `undefined` and `null` values are left out.
 */
export type RequestParams = Readonly<Record<string, ParamValue | readonly ParamValue[] | null | undefined>>;

/**
 * The wire form of one value: Unix seconds for a `Date`, `true`/`false` for booleans, the decimal form
 * for numbers. Throws `TypeError` (naming `params.<name>`) for an invalid date or a non-finite number.
 */
export function encodeValue(name: string, value: ParamValue): string {
  if (value instanceof Date) {
    const ms = value.getTime();
    if (Number.isNaN(ms)) throw new TypeError(`StackExchangeClient: params.${name} is an invalid Date (e.g. ${name}: new Date('2024-01-01'))`);
    return String(Math.floor(ms / 1000));
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`StackExchangeClient: params.${name} must be a finite number (e.g. ${name}: 100)`);
    return String(value);
  }
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  throw new TypeError(`StackExchangeClient: params.${name} must be a string, number, boolean, Date or an array of them (e.g. ${name}: 'value')`);
}

/** Appends `params` to `target` in wire form, vectors joined with `;`, skipping `undefined`/`null`. */
export function appendParams(target: URLSearchParams, params: RequestParams): void {
  for (const [name, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue;
    const text = Array.isArray(value)
      ? (value as readonly ParamValue[]).map((v) => encodeValue(name, v)).join(';')
      : encodeValue(name, value as ParamValue);
    target.append(name, text);
  }
}
