import type { NextFunction, Request } from 'express';
import type { ResolvedAuthOptions } from './router-options.js';
import type { StrategyFacts } from './strategy-settings.js';

/** What `stackExchangeAuth()` leaves on each request for `requireLogin()` and its own routes. */
export interface RequestContext {
  config: ResolvedAuthOptions;
  facts: () => StrategyFacts;
}

// A WeakMap rather than a property: nothing on `req` to collide with or to serialise by accident.
const contexts = new WeakMap<Request, RequestContext>();

/** Records the router's context on a request. */
export function setRequestContext(req: Request, context: RequestContext): void {
  contexts.set(req, context);
}

/** The context of the `stackExchangeAuth()` router the request went through, if any. */
export function getRequestContext(req: Request): RequestContext | undefined {
  return contexts.get(req);
}

/**
 * The registered strategy's facts, or `undefined` after handing the lookup's error (no such strategy,
 * or not a `StackExchangeStrategy`) to `next`: the routes' common first step.
 */
export function factsOrNext(context: RequestContext, next: NextFunction): StrategyFacts | undefined {
  try {
    return context.facts();
  } catch (err) {
    next(err);
    return undefined;
  }
}

/**
 * The start route's URL for a login that returns to `returnTo` (left out when `undefined`) and asks for
 * `scope` (left out when empty), e.g. `/auth/start?returnTo=%2Finbox&scope=read_inbox`.
 */
export function startURL(basePath: string, returnTo: string | undefined, scope: readonly string[] = []): string {
  const params = new URLSearchParams();
  if (returnTo !== undefined) params.set('returnTo', returnTo);
  if (scope.length > 0) params.set('scope', scope.join(','));
  const query = params.toString();
  return query === '' ? `${basePath}/start` : `${basePath}/start?${query}`;
}
