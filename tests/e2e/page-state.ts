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
  backend: { name: string; description: string; fallbackReason?: string; note?: string } | null;
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

/** The video mode's view of the page (src/ui/video/video-hook.ts). */
export interface LiveFrameView {
  frameId: number;
  opts: ToMeOptions;
  top5: Array<{ index: number; prob: number }>;
  tokens: number[];
  groups: number[];
  ms: number;
  timingSource: string;
  route: 'texture' | 'pixels';
  mediaTime: number | null;
  cost: { grabMs: number; workerMs: number; forwardMs: number; overlayMs: number; totalMs: number };
}

export interface VideoStatus {
  source: 'image' | 'camera' | 'file';
  name: string;
  paused: boolean;
  hidden: boolean;
  currentTime: number;
  duration: number | null;
  cameras: number;
  stats: { offered: number; processed: number; dropped: number; failed: number; busy: boolean; offeredFps: number; processedFps: number };
  samples: Array<{ t: number; top1Prob: number; ms: number; changedShare: number | null }>;
  frame: LiveFrameView | null;
  recording: boolean;
  lastRecording: { durationMs: number; frames: number; handed: number; wallMs: number; size: number; type: string; limitHit: string | null } | null;
}

type VideoHook = {
  __tome: {
    video: {
      status: VideoStatus;
      framePng(): Promise<string>;
      recordingBase64(): Promise<string>;
      setRecordingLimits(l: { maxBytes: number; maxMs: number }): void;
      costs(): Array<LiveFrameView['cost'] & { opts: ToMeOptions; timingSource: string }>;
      clearCosts(): void;
    };
  };
};

export const videoStatus = (page: Page) => page.evaluate(() => (window as unknown as VideoHook).__tome.video.status);
export const framePng = async (page: Page) => Buffer.from(await page.evaluate(() => (window as unknown as VideoHook).__tome.video.framePng()), 'base64');
export const recordingBytes = async (page: Page) =>
  Buffer.from(await page.evaluate(() => (window as unknown as VideoHook).__tome.video.recordingBase64()), 'base64');
export const setRecordingLimits = (page: Page, l: { maxBytes: number; maxMs: number }) =>
  page.evaluate((x) => (window as unknown as VideoHook).__tome.video.setRecordingLimits(x), l);

/** Polls the video status until `pred` holds (the page keeps processing frames meanwhile). */
export async function videoUntil(page: Page, pred: (s: VideoStatus) => boolean, what: string, timeout = 120_000): Promise<VideoStatus> {
  const t0 = Date.now();
  let s = await videoStatus(page);
  while (!pred(s)) {
    if (Date.now() - t0 > timeout) {
      const line = await page.locator('#image-error').textContent();
      throw new Error(
        `timed out after ${timeout} ms waiting for ${what}; the page says "${line}"; last status: ${JSON.stringify({ ...s, samples: s.samples.length, frame: s.frame && { ...s.frame, groups: undefined } })}`,
      );
    }
    await new Promise((r) => setTimeout(r, 250));
    s = await videoStatus(page);
  }
  return s;
}

/** Makes the page hidden or visible as far as the page can tell (headless pages are never
 * hidden by the browser: covering or minimising them changes nothing), with the event. */
export const setPageHidden = (page: Page, hidden: boolean) =>
  page.evaluate((h) => {
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => (h ? 'hidden' : 'visible') });
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => h });
    document.dispatchEvent(new Event('visibilitychange'));
  }, hidden);

/** The folder measurement's view of the page (src/ui/page/folder/folder-panel.ts). */
export interface FolderRowView {
  r: number;
  schedule: string;
  mode: string;
  n: number;
  top1?: number;
  top5?: number;
  agreement: number;
  meanTv: number;
  meanFinalTokens: number;
  imgPerSec: number;
  speedup: number;
}

export interface FolderStatus {
  running: boolean;
  picked: { name: string; files: number } | null;
  progress: { imagesDone: number; imagesTotal: number; settingsDone: number; settingsTotal: number; skipped: number; fraction: number } | null;
  rows: FolderRowView[] | null;
  report: { model: string; folder: string; backend: string; labels: string; images: number; skipped: number; results: FolderRowView[] } | null;
  stored: boolean;
  skipped: Array<{ path: string; reason: string }>;
  message: string;
  notes: string[];
}

type FolderHook = {
  __tome: {
    folder: { status: FolderStatus; exportText(kind: 'csv' | 'json' | 'svg'): Promise<string | null>; exportPng(): Promise<number[] | null> };
  };
};

export const folderStatus = (page: Page) => page.evaluate(() => (window as unknown as FolderHook).__tome.folder.status);
export const folderExportText = (page: Page, kind: 'csv' | 'json' | 'svg') =>
  page.evaluate((k) => (window as unknown as FolderHook).__tome.folder.exportText(k), kind);
export const folderExportPng = async (page: Page) =>
  Buffer.from((await page.evaluate(() => (window as unknown as FolderHook).__tome.folder.exportPng())) ?? []);

/** Polls the folder status until `pred` holds. */
export async function folderUntil(page: Page, pred: (s: FolderStatus) => boolean, what: string, timeout = 600_000): Promise<FolderStatus> {
  const t0 = Date.now();
  let s = await folderStatus(page);
  while (!pred(s)) {
    if (Date.now() - t0 > timeout)
      throw new Error(`timed out after ${timeout} ms waiting for ${what}; last status: ${JSON.stringify({ ...s, rows: undefined, report: undefined })}`);
    await new Promise((r) => setTimeout(r, 250));
    s = await folderStatus(page);
  }
  return s;
}

/** One side of the compare view (src/ui/page/compare-view.ts). */
export interface CompareSideView {
  requestId: number;
  opts: ToMeOptions;
  top5: Array<{ index: number; prob: number }>;
  groups: number[];
  ms: number;
  timingSource: string;
  route: { backend: string; reason: string } | null;
}

export interface CompareStatus {
  on: boolean;
  requestId: number;
  answeredId: number;
  a: CompareSideView | null;
  b: CompareSideView | null;
}

type CompareHook = { __tome: { compare: { status: CompareStatus } } };

export const compareStatus = (page: Page) => page.evaluate(() => (window as unknown as CompareHook).__tome.compare.status);
