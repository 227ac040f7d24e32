import { existsSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's chromium (installed by `.ci/run` when missing); no tool ever downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

// Headless, and no outside traffic of its own: the machine's network is closed.
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

async function waitForChromium(waitMs: number): Promise<void> {
  const deadline = Date.now() + waitMs;
  while (!existsSync(CHROMIUM)) {
    if (Date.now() > deadline) throw new Error(`${CHROMIUM} not found: install Debian's chromium (apt-get install chromium)`);
    await sleep(1_000);
  }
}

/**
 * Launches headless Debian chromium. playwright starts it with a fresh temporary `--user-data-dir` of
 * its own and removes it afterwards, so no state survives between runs. Waits up to `waitMs` for the
 * binary (it may still be installing on a fresh machine).
 */
export async function launchChromium(waitMs = 120_000): Promise<Browser> {
  await waitForChromium(waitMs);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}
