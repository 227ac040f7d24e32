/** A custom filter for {@link StackExchangeClient.createFilter}, as `/filters/create` takes it. */
export interface FilterDefinition {
  /** Fields to add, e.g. `['question.body', '.total']`. */
  include?: readonly string[];
  /** Fields to remove, e.g. `['user.profile_image']`. */
  exclude?: readonly string[];
  /** The filter to start from. Default `default`. */
  base?: string;
  /** Leave HTML unescaped (`unsafe=true`). Default `false`. */
  unsafe?: boolean;
}

const FIELD = /^\.?[A-Za-z_][\w.]*$/;

function fields(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((f) => typeof f !== 'string' || !FIELD.test(f))) {
    throw new TypeError(`StackExchangeClient: createFilter() ${name} must be an array of field names (e.g. ${name}: ['question.body'])`);
  }
  // Sorted: the same set of fields is one definition, created once.
  return value.length === 0 ? undefined : [...(value as string[])].sort().join(';');
}

/**
 * The params of `/filters/create` for a {@link FilterDefinition}, normalised so that equal definitions
 * give equal params.
 *
 * @throws TypeError for a malformed definition.
 */
export function filterParams(definition: FilterDefinition): Record<string, string | boolean> {
  if (typeof definition !== 'object' || definition === null) throw new TypeError("StackExchangeClient: createFilter() needs a definition (e.g. { include: ['question.body'] })");
  const { include, exclude, base, unsafe } = definition;
  if (base !== undefined && (typeof base !== 'string' || base === '')) throw new TypeError("StackExchangeClient: createFilter() base must be a filter name (e.g. base: 'default')");
  if (unsafe !== undefined && typeof unsafe !== 'boolean') throw new TypeError('StackExchangeClient: createFilter() unsafe must be a boolean (e.g. unsafe: false)');
  const params: Record<string, string | boolean> = {};
  const inc = fields('include', include);
  const exc = fields('exclude', exclude);
  if (inc !== undefined) params.include = inc;
  if (exc !== undefined) params.exclude = exc;
  if (base !== undefined) params.base = base;
  if (unsafe !== undefined) params.unsafe = unsafe;
  return params;
}
