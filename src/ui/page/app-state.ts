// What the page knows: the model and backend the worker reported, the image it shows, the newest
// analysis, and the in-page measurement and profile. The page's modules read it; main.ts, which
// routes the worker's messages, and the panel that owns a slice are the ones that change it.
import type { ModelConfig } from '../../model/config';
import type { BenchRow } from '../../core/results';
import type { ToMeOptions } from '../../core/tome';
import type { FolderProgress } from '../../eval/folder-run';
import type { MeasuredRow } from '../../eval/measure';
import type { MeasureReport } from '../../eval/table';
import type { Analysis, BackendInfo, ModelView, ProfileReport, SkippedFile } from '../protocol';
import type { PickedFolder } from './folder/folder-files';
import type { LiveFrame } from './video/live-frame';

/** What the stage shows: the still image, or a live source's processed frames. */
export type SourceKind = 'image' | 'camera' | 'file';

export interface BenchState {
  id: number;
  running: boolean;
  rows: BenchRow[] | null;
  source: 'wall' | 'gpu-timestamp';
}

/** The last profile shown (with the settings and image it was taken at) and the one running. */
export interface ProfileState {
  id: number;
  running: boolean;
  report: ProfileReport | null;
  opts: ToMeOptions | null;
  imageName: string;
  error: string | null;
}

/** "Measure on a folder": the folder picked, the run in progress, the last finished measurement. */
export interface FolderState {
  id: number;
  running: boolean;
  picked: PickedFolder | null;
  fingerprint: string;
  /** The figures so far of the run in progress (null when none runs). */
  rows: MeasuredRow[] | null;
  progress: FolderProgress | null;
  startedAt: number;
  /** The last finished measurement shown: measured now, or kept from an earlier visit. */
  report: MeasureReport | null;
  /** Whether `report` came from this browser's store rather than a run in this visit. */
  stored: boolean;
  /** Images left out as unreadable (of the run in progress, else of `report`). */
  skipped: SkippedFile[];
  /** The last line about it: where the labels came from, or why it stopped. */
  message: string;
}

/** The compare view: whether it shows, and the newest request and answer of its setting B (its
 * setting A is the page's own analysis). */
export interface CompareState {
  on: boolean;
  requestId: number;
  analysis: Analysis | null;
}

export interface AppState {
  /** The model loaded (its results are the ones shown); it stays while another one loads. */
  modelId: string;
  config: ModelConfig | null;
  /** The model being loaded, '' when none: it replaces modelId once ready, else nothing changes. */
  loadingId: string;
  backend: BackendInfo | null;
  view: ModelView | null;
  analysis: Analysis | null;
  requestId: number;
  imageId: number;
  /** Image ids sent to the worker and not yet answered (decoded or refused). */
  imagesInFlight: Set<number>;
  /** Layer shown by the scrubber (1-based block); follows the last block unless moved. */
  layer: number;
  followLast: boolean;
  bench: BenchState;
  profile: ProfileState;
  folder: FolderState;
  compare: CompareState;
  /** sha256 of the loaded model's weights (folder measurements are kept under it). */
  modelSha256: string;
  source: SourceKind;
  /** The newest processed frame of the camera or video (null showing the still image). */
  live: LiveFrame | null;
}

export function createAppState(): AppState {
  return {
    modelId: '',
    config: null,
    loadingId: '',
    backend: null,
    view: null,
    analysis: null,
    requestId: 0,
    imageId: 0,
    imagesInFlight: new Set(),
    layer: 12,
    followLast: true,
    bench: { id: 0, running: false, rows: null, source: 'wall' },
    profile: { id: 0, running: false, report: null, opts: null, imageName: '', error: null },
    folder: {
      id: 0,
      running: false,
      picked: null,
      fingerprint: '',
      rows: null,
      progress: null,
      startedAt: 0,
      report: null,
      stored: false,
      skipped: [],
      message: '',
    },
    compare: { on: false, requestId: 0, analysis: null },
    modelSha256: '',
    source: 'image',
    live: null,
  };
}
