// The test and debugging hook, window.__tome: read-only views of the page's state, plus the PNG
// export and the device-loss path. The end-to-end tests read the page only through it and the DOM.
import type { AppState } from './app-state';
import { ui } from './elements';
import type { ToWorker } from '../protocol';

/** `video` is the video mode's part of the hook (src/ui/page/video/video-hook.ts), `folder` the
 * folder measurement's (src/ui/page/folder/folder-panel.ts), `compare` the compare view's
 * (src/ui/page/compare-view.ts). */
export function installTestHook(
  state: AppState,
  exportPng: () => Promise<Blob>,
  send: (m: ToWorker) => void,
  video: object,
  folder: object,
  compare: object,
): void {
  const hook = {
    get status() {
      return {
        modelId: state.modelId,
        /** A model is loaded and none is loading. */
        ready: !!state.config && !state.loadingId,
        loadingId: state.loadingId,
        backend: state.backend,
        imageId: state.view?.imageId ?? 0,
        imageName: state.view?.name ?? '',
        imagesInFlight: state.imagesInFlight.size,
        requestId: state.requestId,
        answeredId: state.analysis?.requestId ?? 0,
        layer: state.layer,
        benchRunning: state.bench.running,
        benchRows: state.bench.rows,
      };
    },
    get analysis() {
      const a = state.analysis;
      if (!a) return null;
      return {
        requestId: a.requestId,
        opts: a.opts,
        tokens: a.current.tokens,
        baselineTokens: a.baseline.tokens,
        top5: a.current.top5,
        baselineTop5: a.baseline.top5,
        // A model without a head: its features and their colours (3 bytes per patch).
        features: a.current.features ? Array.from(a.current.features) : null,
        baselineFeatures: a.baseline.features ? Array.from(a.baseline.features) : null,
        featureColours: a.featureColours ? Array.from(a.featureColours) : null,
        groups: Array.from(a.current.groups),
        ms: a.currentTiming.ms,
        timingSource: a.currentTiming.source,
        route: a.route ?? null,
      };
    },
    /** The last profile (null before the first), the settings it ran at, and whether one runs. */
    get profile() {
      const p = state.profile;
      return { running: p.running, report: p.report, opts: p.opts, error: p.error };
    },
    overlayGroups: () => (ui.canvas.dataset.groups ? ui.canvas.dataset.groups.split(',').map(Number) : []),
    /** The PNG export as bytes (what Save PNG downloads). */
    exportPng: async () => Array.from(new Uint8Array(await (await exportPng()).arrayBuffer())),
    loseDevice: () => send({ type: 'lose-device' }),
    video,
    folder,
    compare,
  };
  (window as unknown as { __tome: typeof hook }).__tome = hook;
}
