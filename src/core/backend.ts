// The one interface every forward implementation offers (the WebGPU engine, the ONNX Runtime CPU
// path, the TypeScript reference), so that the CLI, the bench and the page's worker are written
// once against it and never ask which one they hold. Which one runs is decided in one place:
// src/backends/choose.ts.
import type { ModelConfig } from '../model/config';
import type { RawImage } from './preprocess';
import type { Top } from './prediction';
import type { ForwardProfile } from './profile';
import type { ToMeOptions } from './tome';

export interface ForwardResult {
  logits: Float32Array;
  probs: Float32Array;
  top5: Top[];
  /** Token count entering block 0, then after each block (depth + 1 numbers). */
  tokens: number[];
  /** Patch->token map after each block: depth rows of numPatches token indices (-1 = pruned). */
  tokenOfPatch: Int32Array[];
  /** Canonical group per patch after the last block. */
  groups: Int32Array;
}

export interface Timing {
  /** Time of this forward (whole batch), in ms. */
  ms: number;
  /** 'gpu-timestamp' when measured with timestamp queries, 'wall' for host wall-clock time. */
  source: 'gpu-timestamp' | 'wall';
}

export interface RunOutput {
  results: ForwardResult[];
  timing: Timing;
}

/**
 * An image the browser holds that WebGPU can copy without a CPU read-back (an ImageBitmap of a
 * video frame): the engine copies it into a texture and preprocesses it there; the backends that
 * run on the CPU read its pixels (`pixels`, made by the caller, which has the canvas to read it).
 */
export interface ExternalFrame {
  readonly external: GPUCopyExternalImageSource;
  readonly width: number;
  readonly height: number;
  pixels(): RawImage;
}

/**
 * What a forward starts from: a preprocessed CHW float32 tensor (3 x S x S), decoded 8-bit pixels,
 * or a browser frame. Each backend preprocesses where it is cheapest (the engine on the GPU in the
 * forward's own submission, the others in TypeScript), with the same result bit for bit.
 */
export type ModelInput = Float32Array | RawImage | ExternalFrame;

export const isTensor = (x: ModelInput): x is Float32Array => x instanceof Float32Array;
export const isFrame = (x: ModelInput): x is ExternalFrame => !isTensor(x) && 'external' in x;

/** webgpu: our engine; cpu: the fast CPU path (ONNX Runtime with our ToMe); reference: the TypeScript oracle. */
export type BackendName = 'webgpu' | 'cpu' | 'reference';

export interface Backend {
  readonly name: BackendName;
  readonly config: ModelConfig;
  /** Where it runs, in words (adapter and precision, ONNX Runtime's flavour and threads, ...). */
  readonly description: string;
  /** Runs a batch; larger batches than the backend takes at once are split. */
  run(inputs: ModelInput[], opts: ToMeOptions): Promise<RunOutput>;
  /**
   * Times every kernel of one forward of `inputs` (a warm-up forward first) and, with
   * `tomeRounds` > 0, ToMe's own cost alternated that many rounds. Only the WebGPU engine has
   * kernels to time: the CPU backends reject with a line saying so.
   */
  profile(inputs: ModelInput[], opts: ToMeOptions, p?: { tomeRounds?: number }): Promise<ForwardProfile>;
  /** Resolves with the reason once the backend can no longer run (its GPU device was lost); the
   * CPU backends never lose theirs. Open a new backend then. */
  readonly lost: Promise<string>;
  /** Test hook: ends the backend as a lost GPU device would (nothing to lose on the CPU). */
  loseDevice(): void;
  dispose(): void;
}

/** What the CPU backends answer to profile(). */
export function noKernelsToProfile(b: Pick<Backend, 'description'>): Promise<never> {
  return Promise.reject(new Error(`Profiling times the WebGPU engine's kernels; ${b.description} has none`));
}

/** A `lost` for backends that have no device to lose. */
export const NEVER_LOST: Promise<string> = new Promise<string>(() => undefined);
