import type { Request, Response } from 'express';
import { currentUser } from './login-state.js';
import type { AppUser } from './user.js';
import { layout, type PageContent } from './views/layout.js';

/**
 * Renders a page in the layout, with headers that keep personal pages out of caches. The header shows
 * `user`, by default the one {@link currentUser} finds.
 */
export function sendPage(
  req: Request,
  res: Response,
  sandbox: boolean,
  page: PageContent,
  scripts: readonly string[] = [],
  user: AppUser | undefined = currentUser(req),
): void {
  res.set('Cache-Control', 'no-store');
  res.type('html').send(layout({ displayName: user?.displayName, sandbox }, page, scripts));
}

/** The `/auth/start` URL for a login that returns to `returnTo` with `scopes`. */
export function startURL(returnTo: string, scopes: readonly string[]): string {
  const params = new URLSearchParams({ returnTo });
  if (scopes.length > 0) params.set('scope', scopes.join(','));
  return `/auth/start?${params.toString()}`;
}
