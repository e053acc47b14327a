// Reads the page's state through its debug hook (window.__tome, see src/ui/test-hook.ts).
import type { Page } from 'playwright-core';
import type { ToMeOptions } from '../../src/core/tome';
import type { ProfileReport } from '../../src/ui/protocol';

export interface Status {
  modelId: string;
  ready: boolean;
  imageId: number;
  imageName: string;
  imagesInFlight: number;
  requestId: number;
  answeredId: number;
  backend: { kind: string; description: string; fallbackReason?: string; threadsNote?: string } | null;
  benchRunning: boolean;
  benchRows: Array<{ r: number; schedule: string; msMedian: number; speedupVsR0: number }> | null;
}

export interface AnalysisView {
  requestId: number;
  opts: { r: number; schedule: string };
  tokens: number[];
  top5: Array<{ index: number; prob: number }>;
  groups: number[];
  ms: number;
  timingSource: string;
}

export interface ProfileState {
  running: boolean;
  report: ProfileReport | null;
  opts: ToMeOptions | null;
  error: string | null;
}

interface Hook {
  status: Status;
  analysis: AnalysisView;
  profile: ProfileState;
  overlayGroups(): number[];
  exportPng(): Promise<number[]>;
  loseDevice(): void;
}
type WithHook = { __tome: Hook };

export const status = (page: Page) => page.evaluate(() => (window as unknown as WithHook).__tome.status);
export const analysis = (page: Page) => page.evaluate(() => (window as unknown as WithHook).__tome.analysis);
export const profile = (page: Page) => page.evaluate(() => (window as unknown as WithHook).__tome.profile);
export const overlayGroups = (page: Page) => page.evaluate(() => (window as unknown as WithHook).__tome.overlayGroups());
export const exportPng = async (page: Page) => Buffer.from(await page.evaluate(() => (window as unknown as WithHook).__tome.exportPng()));
export const loseDevice = (page: Page) => page.evaluate(() => (window as unknown as WithHook).__tome.loseDevice());

/** Waits until the newest request has its answer (and no image is still decoding). */
export async function settled(page: Page, timeout = 180_000): Promise<void> {
  await page.waitForFunction(
    () => {
      const t = (window as unknown as Partial<WithHook>).__tome;
      return !!t && t.status.ready && t.status.imagesInFlight === 0 && t.status.answeredId > 0 && t.status.answeredId === t.status.requestId;
    },
    null,
    { timeout, polling: 250 },
  );
}

/** Clicks Profile (which marks the profile running at once) and waits for its answer. */
export async function runProfile(page: Page, timeout = 180_000): Promise<ProfileState> {
  await page.click('#profile');
  if (!(await profile(page)).running) throw new Error('clicking #profile did not start a profile');
  await page.waitForFunction(() => !(window as unknown as WithHook).__tome.profile.running, null, { timeout, polling: 250 });
  return profile(page);
}
