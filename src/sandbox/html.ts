import type { ServerResponse } from 'node:http';

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; background: #f1f2f3; color: #232629; }
main { max-width: 460px; margin: 48px auto; background: #fff; border: 1px solid #d6d9dc; border-radius: 6px; padding: 24px 28px; }
h1 { font-size: 20px; margin: 0 0 4px; }
.brand { color: #f48024; font-weight: 700; font-size: 13px; letter-spacing: .04em; text-transform: uppercase; margin: 0 0 16px; }
.muted { color: #6a737c; font-size: 13px; }
ul.scopes { padding-left: 20px; }
fieldset { border: 1px solid #e3e6e8; border-radius: 4px; margin: 16px 0; padding: 8px 12px; }
legend { font-size: 13px; color: #6a737c; padding: 0 4px; }
label { display: block; padding: 6px 0; cursor: pointer; }
.actions { display: flex; gap: 12px; margin-top: 16px; }
button { font: inherit; padding: 8px 16px; border-radius: 4px; border: 1px solid #0a95ff; cursor: pointer; }
button.approve { background: #0a95ff; color: #fff; }
button.reject { background: #fff; color: #0a95ff; }
.error { border-left: 4px solid #de4f54; padding-left: 12px; }
code { background: #f1f2f3; padding: 1px 4px; border-radius: 3px; overflow-wrap: anywhere; }
`;

/** A complete HTML document with the sandbox's plain inline style; `body` must already be escaped. */
export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<p class="brand">Stack Exchange sandbox</p>
${body}
</main>
</body>
</html>
`;
}

/** Sends an HTML page; pages never load anything from elsewhere and are never framed or cached. */
export function sendHtml(res: ServerResponse, status: number, html: string): void {
  const body = Buffer.from(html, 'utf8');
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8',
    'Content-Length': body.length,
    'Cache-Control': 'no-store',
    // No form-action: browsers apply it to the redirect that follows the consent POST, to the app's origin.
    'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}

/** The page shown instead of a redirect when the request cannot be trusted (unknown app, foreign redirect_uri). */
export function errorPage(title: string, message: string): string {
  return layout(
    title,
    `<div class="error">
<h1>${escapeHtml(title)}</h1>
<p id="error-message">${escapeHtml(message)}</p>
</div>
<p class="muted">The application that sent you here is misconfigured. No redirect was made.</p>`,
  );
}
