// The one interface every forward implementation offers (CPU reference, ONNX Runtime CPU path,
// WebGPU engine), so the
// CLI and the UI are written once against it.
import type { ModelConfig } from '../model/config';
import type { Top } from './prediction';
import type { ToMeOptions } from './tome';

export interface ForwardResult {
  /** A classifier's logits (config.numClasses values), their softmax and its top-5. A model
   * without a head (numClasses 0) has none: these are empty and its output is `features`. */
  logits: Float32Array;
  probs: Float32Array;
  top5: Top[];
  /** Only for a model without a head: timm's pooled pre-logits feature vector (embedDim values:
   * the normed class token, or fc_norm of the mean of the tokens after the prefix). */
  features?: Float32Array;
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

export interface Backend {
  /** webgpu: our engine; cpu: the fast CPU path (ONNX Runtime); reference: the TypeScript oracle. */
  readonly name: 'cpu' | 'webgpu' | 'reference';
  readonly config: ModelConfig;
  /** Human-readable description of where it runs (adapter name, or "CPU reference"). */
  readonly description: string;
  /** Runs a batch of preprocessed CHW float32 inputs (3 x S x S each). */
  run(inputs: Float32Array[], opts: ToMeOptions): Promise<{ results: ForwardResult[]; timing: Timing }>;
  dispose(): void;
}
