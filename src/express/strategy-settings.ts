import type { StackExchangeClientOptions } from '../api/client-options.js';
import type { ResolvedStrategyOptions } from '../strategy/options.js';
import { originOf } from './origin-check.js';
import type { PassportInstance, RequestClientOptions } from './router-options.js';

/** What the router takes from the registered `StackExchangeStrategy`. */
export interface StrategyFacts {
  /** The strategy's validated options (`key`, `apiURL`, `site`, `callbackURL`, ...). */
  settings: Readonly<ResolvedStrategyOptions>;
  /** The app's own origin: the router's `origin` option, else the origin of `callbackURL`. */
  origin: string;
  /**
   * The options of the router's API clients (`req.stackexchange`, the popup's calls, the revocation at
   * logout) without the token: the strategy's API settings, then the router's `client` options.
   */
  clientOptions: Readonly<StackExchangeClientOptions>;
}

function hasSettings(value: unknown): value is { settings: Readonly<ResolvedStrategyOptions> } {
  if (typeof value !== 'object' || value === null) return false;
  const settings = (value as { settings?: unknown }).settings;
  return (
    typeof settings === 'object' &&
    settings !== null &&
    typeof (settings as ResolvedStrategyOptions).key === 'string' &&
    typeof (settings as ResolvedStrategyOptions).callbackURL === 'string'
  );
}

function clientOptionsOf(settings: Readonly<ResolvedStrategyOptions>, client: RequestClientOptions): StackExchangeClientOptions {
  return Object.freeze({
    key: settings.key,
    apiURL: settings.apiURL,
    site: settings.site,
    ...(settings.appUserAgent === undefined ? {} : { userAgent: settings.appUserAgent }),
    ...(settings.fetch === undefined ? {} : { fetch: settings.fetch }),
    ...client,
  });
}

/**
 * Looks the strategy up by name on the passport instance, on first use (the app may register it after
 * creating the router) and then remembers it, with the client options derived from it.
 *
 * @param client - the router's `client` option, laid over the strategy's API settings.
 * @returns a function that gives the strategy's facts, or throws a `TypeError` when no
 *   `StackExchangeStrategy` is registered under `name`.
 */
export function strategyFacts(passport: PassportInstance, name: string, origin: string | undefined, client: RequestClientOptions = {}): () => StrategyFacts {
  let facts: StrategyFacts | undefined;
  return () => {
    if (facts !== undefined) return facts;
    // `_strategy(name)` is passport's own lookup (used by `authenticate`); it is not in @types/passport.
    const strategy = (passport as unknown as { _strategy(name: string): unknown })._strategy(name);
    if (!hasSettings(strategy)) {
      throw new TypeError(
        `stackExchangeAuth: no StackExchangeStrategy is registered as "${name}" (e.g. passport.use(new StackExchangeStrategy({ clientID, key, callbackURL })), or set options.strategy)`,
      );
    }
    const resolvedOrigin = origin ?? originOf(strategy.settings.callbackURL);
    if (resolvedOrigin === undefined) {
      throw new TypeError("stackExchangeAuth: options.origin is required when the strategy's callbackURL has no origin (e.g. origin: 'https://app.example')");
    }
    facts = { settings: strategy.settings, origin: resolvedOrigin, clientOptions: clientOptionsOf(strategy.settings, client) };
    return facts;
  };
}
