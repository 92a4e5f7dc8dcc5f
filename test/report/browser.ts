/**
 * Opens a file in Debian's Chromium (the one CI installs) through playwright-core and
 * records everything a test asserts on: console messages, page errors, dialogs and every
 * request the page makes.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = (): boolean => existsSync(CHROMIUM);

export interface Opened {
  page: Page;
  url: string;
  requests: string[];
  consoleErrors: string[];
  pageErrors: string[];
  dialogs: string[];
}

/** Launches a fresh browser with an empty profile, opens `file` and runs `fn`; always closes. */
export const withPage = async <T>(file: string, fn: (o: Opened) => Promise<T>): Promise<T> => {
  const profile = await mkdtemp(path.join(os.tmpdir(), 'seedaudit-chromium-'));
  let context: BrowserContext | undefined;
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 1000 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--disable-quic',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    const o: Opened = { page, url: pathToFileURL(file).href, requests: [], consoleErrors: [], pageErrors: [], dialogs: [] };
    // context-wide, so requests from any frame or worker the page might start are seen too
    context.on('request', (r) => o.requests.push(r.url()));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') o.consoleErrors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => o.pageErrors.push(String(e)));
    page.on('dialog', (d) => {
      o.dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(o.url, { waitUntil: 'load' });
    return await fn(o);
  } finally {
    await context?.close();
    await rm(profile, { recursive: true, force: true });
  }
};
