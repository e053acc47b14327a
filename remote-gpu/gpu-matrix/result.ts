// The JSON of one GPU-matrix run (remote-gpu/gpu-matrix/main.ts): the golden check of every engine
// configuration, then every configuration timed at every setting and batch, in one process on
// one adapter. The Markdown report (report.ts) is written from this alone.
import type { BenchRow } from '../../src/core/results';
import type { Fp32Peak } from './peaks';

/** One engine configuration: how the matmul weights are stored, which matmul kernel. */
export interface EngineConfig {
  precision: 'f32' | 'f16';
  matmul: string;
}

export interface AdapterReport {
  route: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
  features: string[];
}

export interface GoldenFailure {
  image: string;
  caseName: string;
  what: string;
}

/** One model's golden cases on one configuration. f32 must match the official outputs
 * (tokens, top-1, top-5 set, logits within 1e-3 at r = 0 and 1e-2 above, >= 98% of groups);
 * f16 must keep the tokens and the r = 0 top-1 (it flips merges by design), the rest reported. */
export interface GoldenReport extends EngineConfig {
  model: string;
  cases: number;
  /** Cases (image x setting) that met every required check. */
  passed: number;
  failures: GoldenFailure[];
  maxLogitDiffR0: number;
  maxLogitDiffMerging: number;
  /** Images x settings whose top-1 equals the official one. */
  top1Agree: number;
  /** Share of patches whose group equals the official one, over every case. */
  groupsAgree: number;
}

/** A bench row of one configuration: msMedian/Min/Max are wall clock per forward of the whole
 * batch (upload, submission, read-back); speedupVsR0 is against r = 0 of the same configuration
 * and batch. */
export interface MatrixRow extends EngineConfig, BenchRow {
  /** `${precision} ${matmul}` on the adapter, for tables. */
  label: string;
  /** GPU time of the forward's compute pass (timestamp queries), ms; null without them. */
  gpuMsMedian: number | null;
  msPerImage: number;
  gpuMsPerImage: number | null;
  /** FLOPs at r = 0 over FLOPs at this setting: the speed-up ToMe could give at best. */
  flopRatio: number;
  /** speedupVsR0 / flopRatio. */
  ofFlopRatio: number;
  /** Forward FLOPs over GPU time (or wall time without timestamps). */
  gflops: number;
  /** gflops over the fp32 peak; null when the peak is unknown. */
  ofPeak: number | null;
}

export interface MatmulRate extends EngineConfig {
  /** Rows of the product: tokens x batch. */
  M: number;
  N: number;
  K: number;
  ms: number;
  gflops: number;
  ofPeak: number | null;
}

export interface TomeShare extends EngineConfig {
  r: number;
  batch: number;
  forwardMs: number;
  tomeMs: number;
  share: number;
  ablationShare: number;
  /** ToMe's share of the per-dispatch profile (timestamps or host replays). */
  profileShare: number;
  profileSource: string;
  perFamilyShare: Record<string, number>;
}

/** A forward's fixed costs at one batch: the part that does not shrink with the work. */
export interface DispatchOverhead extends EngineConfig {
  r: number;
  batch: number;
  dispatches: number;
  wallMs: number;
  gpuMs: number | null;
  /** wallMs - gpuMs: upload, submission, read-back and waiting on the host. */
  hostMs: number | null;
  /** Empty-submission round trip + dispatches x per-dispatch cost. */
  fixedMs: number;
  /** fixedMs / wallMs. */
  fixedShare: number;
}

export interface DispatchCost {
  /** Host round trip of an empty submission (submit + onSubmittedWorkDone), median ms. */
  emptySubmitMs: number;
  /** Cost of one more dependent one-workgroup dispatch inside a submission, median ms. */
  perDispatchMs: number;
  dispatchesPerSubmission: number;
}

export interface MatrixResult {
  kind: 'tome-gpu-matrix';
  startedAt: string;
  runtime: { node: string; webgpu: string; platform: string; cpus: number };
  adapter: AdapterReport;
  peak: Fp32Peak | null;
  golden: GoldenReport[];
  /** Configurations left out of the timings (golden check failed, or the adapter lacks f16). */
  skipped: Array<EngineConfig & { reason: string }>;
  bench: {
    model: string;
    quick: boolean;
    warmupRounds: number;
    timedRounds: number;
    flopsPerImage: Record<string, number>;
    rows: MatrixRow[];
    matmul: MatmulRate[];
    tome: TomeShare[];
    dispatch: DispatchCost;
    overhead: DispatchOverhead[];
  } | null;
  /** Seconds per phase. */
  seconds: Record<string, number>;
}
