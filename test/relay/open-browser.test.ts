import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { browserCommand, openInBrowser } from '../../src/relay/open-browser.js';

describe('browserCommand', () => {
  const url = 'https://stackoverflow.com/oauth?client_id=1&redirect_uri=http%3A%2F%2Flocalhost%3A5000%2Fcallback&state=a';

  it('uses each platform\'s opener with the URL as one argument, never through a shell', () => {
    expect(browserCommand(url, 'darwin')).toEqual(['open', [url]]);
    expect(browserCommand(url, 'linux')).toEqual(['xdg-open', [url]]);
    expect(browserCommand(url, 'freebsd')).toEqual(['xdg-open', [url]]);
    // Not `cmd /c start`: cmd would split the URL at its `&`.
    expect(browserCommand(url, 'win32')).toEqual(['rundll32', ['url.dll,FileProtocolHandler', url]]);
  });
});

describe.runIf(process.platform === 'linux')('openInBrowser (Linux: xdg-open from PATH)', () => {
  const url = 'http://localhost:5000/oauth?client_id=1&state=a&scope=read_inbox';

  it('starts the opener detached with the URL as its one argument, and resolves once it started', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-browser-'));
    const out = join(dir, 'args');
    // A stand-in xdg-open that records its arguments, one per line.
    await writeFile(join(dir, 'xdg-open'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${out}'\n`, { mode: 0o755 });
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      await openInBrowser(url);
    } finally {
      process.env['PATH'] = path;
    }
    await vi.waitFor(async () => expect(await readFile(out, 'utf8')).toBe(`${url}\n`), { interval: 10 });
    await rm(dir, { recursive: true });
  });

  it('rejects when there is no opener (a headless machine)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'open-browser-'));
    const path = process.env['PATH'];
    process.env['PATH'] = dir;
    try {
      await expect(openInBrowser(url)).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      process.env['PATH'] = path;
      await rm(dir, { recursive: true });
    }
  });
});
