// `npm start` opens a browser only where one can be opened (scripts/lib/can-open-browser.ts):
// on a machine without a desktop it prints the URL instead of Vite's xdg-open stack trace.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { canOpenBrowser } from '../../scripts/lib/can-open-browser';

/** A folder holding executables of these names, for PATH. */
function binDir(...names: string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'tome-bin-'));
  for (const n of names) {
    writeFileSync(join(dir, n), '#!/bin/sh\n');
    chmodSync(join(dir, n), 0o755);
  }
  return dir;
}

describe('canOpenBrowser', () => {
  const withOpener = binDir('xdg-open');
  const empty = binDir();

  it('on Linux, needs a display and an opener', () => {
    expect(canOpenBrowser({ PATH: withOpener }, 'linux')).toBe(false);
    expect(canOpenBrowser({ PATH: withOpener, DISPLAY: ':0' }, 'linux')).toBe(true);
    expect(canOpenBrowser({ PATH: withOpener, WAYLAND_DISPLAY: 'wayland-0' }, 'linux')).toBe(true);
    expect(canOpenBrowser({ PATH: empty, DISPLAY: ':0' }, 'linux')).toBe(false);
  });

  it('follows BROWSER as Vite reads it', () => {
    expect(canOpenBrowser({ PATH: withOpener, DISPLAY: ':0', BROWSER: 'none' }, 'linux')).toBe(false);
    expect(canOpenBrowser({ PATH: withOpener, DISPLAY: ':0', BROWSER: 'None' }, 'darwin')).toBe(false);
    expect(canOpenBrowser({ PATH: binDir('firefox'), DISPLAY: ':0', BROWSER: 'firefox' }, 'linux')).toBe(true);
    expect(canOpenBrowser({ PATH: withOpener, DISPLAY: ':0', BROWSER: 'firefox' }, 'linux')).toBe(false);
    expect(canOpenBrowser({ PATH: empty, BROWSER: 'open-it.js' }, 'linux')).toBe(true);
  });

  it('on macOS and Windows, always (open, start)', () => {
    expect(canOpenBrowser({ PATH: empty }, 'darwin')).toBe(true);
    expect(canOpenBrowser({ PATH: empty }, 'win32')).toBe(true);
  });
});
