import type { Request } from 'express';
import type { ResolvedAuthOptions } from './router-options.js';

// A WeakMap rather than a property: nothing on `req` to collide with or to serialise by accident. Only
// src/express reads it: `requireLogin()` finds the router the request went through.
const routers = new WeakMap<Request, ResolvedAuthOptions>();

/** Records on a request the options of the `stackExchangeAuth()` router it goes through. */
export function setRouterOptions(req: Request, config: ResolvedAuthOptions): void {
  routers.set(req, config);
}

/** The options of the `stackExchangeAuth()` router the request went through, if any. */
export function routerOptionsOf(req: Request): ResolvedAuthOptions | undefined {
  return routers.get(req);
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
