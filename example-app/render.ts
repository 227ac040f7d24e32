import type { Request, Response } from 'express';
import { currentUser } from './login-state.js';
import { layout, type PageContent } from './views/layout.js';

/** Renders a page in the layout, with headers that keep personal pages out of caches. */
export function sendPage(req: Request, res: Response, sandbox: boolean, page: PageContent, scripts: readonly string[] = []): void {
  const user = currentUser(req);
  res.set('Cache-Control', 'no-store');
  res.type('html').send(layout({ displayName: user?.displayName, sandbox }, page, scripts));
}

/** The `/auth/start` URL for a login that returns to `returnTo` with `scopes`. */
export function startURL(returnTo: string, scopes: readonly string[]): string {
  const params = new URLSearchParams({ returnTo });
  if (scopes.length > 0) params.set('scope', scopes.join(','));
  return `/auth/start?${params.toString()}`;
}
