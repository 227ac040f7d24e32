/** Throws the package's `TypeError` for one invalid option (see {@link optionFailure}). */
export type OptionFailure = (option: string, rule: string, example: string) => never;

/**
 * The option-error thrower of `owner` (a class or function name): it throws a `TypeError` that names
 * the option, says what it must be and shows a correct value, as every constructor of the package does:
 * `StackExchangeClient: options.timeout must be a positive number (e.g. timeout: 10000)`.
 */
export function optionFailure(owner: string): OptionFailure {
  return (option, rule, example) => {
    throw new TypeError(`${owner}: options.${option} ${rule} (e.g. ${option}: ${example})`);
  };
}
