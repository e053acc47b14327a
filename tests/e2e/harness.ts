// The end-to-end tests' view of bench/browser.ts (Vite + headless Chromium): the app opened with
// the screenshot folder ready.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openPage, ROOT, type App, type OpenOptions } from '../../bench/browser';

export { ROOT, serverUrl, startServer, type App } from '../../bench/browser';
export const SHOTS = join(ROOT, 'tests/e2e/screenshots');

export function openApp(url: string, opts: OpenOptions = {}): Promise<App> {
  mkdirSync(SHOTS, { recursive: true });
  return openPage(url, opts);
}
