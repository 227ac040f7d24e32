import { describe, expect, it } from 'vitest';
import { browserCommand } from '../../src/relay/open-browser.js';

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
