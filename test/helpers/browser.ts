/// <reference lib="dom" />
// (page functions run in the browser)
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

// Browser tests drive Debian's Chromium (.ci/run installs it) through playwright-core. Without it the suites say
// so in their name, loudly, and run nothing: they never pass without a browser.
export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  console.warn(`\n*** ${CHROMIUM} is missing: the web console browser tests are SKIPPED (apt-get install chromium) ***\n`);
}
export const describeWithBrowser = (name: string, fn: () => void) =>
  hasChromium ? describe(name, fn) : describe.skip(`${name} [SKIPPED: ${CHROMIUM} is missing, install Debian's chromium]`, fn);

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1366, height: 900 };
export const SCREENSHOTS = join(process.cwd(), 'test-artifacts', 'screenshots');

export type TestBrowser = { browser: Browser; close: () => Promise<void>; context: (viewport?: { width: number; height: number }) => Promise<BrowserContext> };

// A fresh profile each time (playwright's launch makes a new temporary user-data-dir and removes it on close;
// it refuses --user-data-dir), and no network beyond the test server (the flags keep Chromium from calling home).
export async function launchBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    browser,
    context: (viewport = DESKTOP) => browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' }),
    close: async () => {
      await browser.close();
    },
  };
}

// Page errors fail the test that caused them.
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  return errors;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const vp = page.viewportSize();
  const path = join(SCREENSHOTS, `${name}-${vp && vp.width < 600 ? 'phone' : 'desktop'}.png`);
  await page.screenshot({ path, fullPage: false });
  return path;
}

export async function signIn(page: Page, baseUrl: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}/login`);
  await page.fill('input[name=username]', username);
  await page.fill('input[name=password]', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('[data-testid=nav]');
}

// A page no wider than the viewport: nothing scrolls sideways on a phone.
export const horizontalOverflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
