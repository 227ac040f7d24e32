import { spawn } from 'node:child_process';

/**
 * The command that opens a URL in the person's default browser on this platform, with its arguments:
 * `open` on macOS, `rundll32 url.dll,FileProtocolHandler` on Windows (unlike `cmd /c start`, no shell
 * parses the `&` of the query), `xdg-open` elsewhere.
 */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform): readonly [string, readonly string[]] {
  if (platform === 'darwin') return ['open', [url]];
  if (platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/**
 * Opens `url` in the default browser: starts the platform's opener ({@link browserCommand}) detached,
 * without a shell, and resolves once it started (rejects when it cannot be started, e.g. no
 * `xdg-open` on a headless machine). It does not wait for the browser.
 */
export function openInBrowser(url: string): Promise<void> {
  const [command, args] = browserCommand(url);
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { detached: true, stdio: 'ignore', shell: false });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}
