import { html, type HtmlValue, type SafeHtml } from './html.js';

/** What every page knows about the request: who is logged in and whether the sandbox is in use. */
export interface PageContext {
  /** The logged-in person's display name, or `undefined` when nobody is logged in. */
  displayName: string | undefined;
  /** True when the app talks to the local sandbox instead of Stack Exchange. */
  sandbox: boolean;
}

/** A page's title and main content. */
export interface PageContent {
  title: string;
  main: HtmlValue;
}

function nav(ctx: PageContext): SafeHtml {
  if (ctx.displayName === undefined) {
    return html`<nav><a href="/">Home</a></nav>`;
  }
  return html`<nav>
      <a href="/">Home</a>
      <a href="/profile">Profile</a>
      <a href="/inbox">Inbox</a>
      <span class="who">${ctx.displayName}</span>
      <form method="post" action="/auth/logout" class="inline"><button type="submit" class="link">Log out</button></form>
    </nav>`;
}

/**
 * The one layout: header with navigation and logout, the "Sandbox mode" banner when the app runs
 * against the local sandbox, and the page's content. Scripts and styles are same-origin files only, so
 * the Content-Security-Policy needs no inline exceptions.
 */
export function layout(ctx: PageContext, page: PageContent, scripts: readonly string[] = []): string {
  return '<!doctype html>' + html`<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${page.title} · Stack Exchange login example</title>
  <link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
  <link rel="stylesheet" href="/static/style.css">
  ${scripts.map((src) => html`<script src="${src}" defer></script>`)}
</head>
<body>
  ${ctx.sandbox && html`<div class="sandbox-banner" role="status"><strong>Sandbox mode</strong>: logins and data come from the local Stack Exchange sandbox, not from stackexchange.com.</div>`}
  <header>
    <a class="brand" href="/">Stack Exchange login example</a>
    ${nav(ctx)}
  </header>
  <main>
    ${page.main}
  </main>
  <footer>Built with <code>passport-stackexchange-oauth2</code>. Your access token stays on the server.</footer>
</body>
</html>`.toString();
}
