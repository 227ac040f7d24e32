import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (installed by `.ci/run` when missing). */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Launches headless Debian chromium with no outside traffic of its own (no background networking,
 * component updates, sync or QUIC). playwright gives every launch a fresh temporary profile, so no
 * state survives between runs. Waits up to `waitMs` for the browser binary to appear (it may still
 * be installing on a fresh machine).
 */
export async function launchChromium(waitMs = 120_000): Promise<Browser> {
  const deadline = Date.now() + waitMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`);
    await sleep(1_000);
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
