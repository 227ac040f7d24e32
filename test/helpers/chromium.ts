import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

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
 * Launches headless Debian chromium for tests that open several contexts. playwright starts it with a
 * fresh temporary `--user-data-dir` of its own, so no state survives between runs. Waits up to
 * `waitMs` for the binary (it may still be installing on a fresh machine).
 */
export async function launchChromium(waitMs = 120_000): Promise<Browser> {
  await waitForChromium(waitMs);
  return chromium.launch({ executablePath: CHROMIUM, args: ARGS });
}

/**
 * Launches headless Debian chromium as one context on a fresh profile directory of ours
 * (`--user-data-dir`, which playwright takes as launchPersistentContext's argument); closing the
 * context removes the directory.
 */
export async function launchChromiumContext(waitMs = 120_000): Promise<BrowserContext> {
  await waitForChromium(waitMs);
  const profile = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS });
  context.on('close', () => void rm(profile, { recursive: true, force: true }));
  return context;
}
