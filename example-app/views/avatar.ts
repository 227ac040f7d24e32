import { html, type SafeHtml } from './html.js';

/**
 * The avatar: the profile image when its URL may be loaded (see `imageSource` in the app), otherwise
 * an inline SVG with the person's initial, so pages never depend on an outside image host.
 */
export function avatar(displayName: string, src: string | undefined, size = 96): SafeHtml {
  if (src !== undefined) {
    return html`<img class="avatar" src="${src}" alt="" width="${size}" height="${size}">`;
  }
  const initial = Array.from(displayName.trim())[0]?.toUpperCase() ?? '?';
  return html`<svg class="avatar" role="img" aria-label="" width="${size}" height="${size}" viewBox="0 0 96 96" xmlns="http://www.w3.org/2000/svg">
    <rect width="96" height="96" rx="12" fill="#f48024"/>
    <text x="48" y="62" font-size="44" font-family="system-ui, sans-serif" font-weight="600" text-anchor="middle" fill="#fff">${initial}</text>
  </svg>`;
}
