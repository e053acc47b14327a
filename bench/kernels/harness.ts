// What every kernel micro-benchmark shares (in the manner of llm.c's dev/cuda): the models'
// shapes, buffers of seeded random data, and timing one dispatch alone: warm-up submissions
// (the first use compiles lazily on some drivers), then rounds of one submission holding
// `reps` copies of the dispatch in one compute pass, host-timed; the figure is the median
// per dispatch. `reps` defaults to enough copies for ~50 ms per submission, so a submission's
// fixed cost is spread the way it is inside a forward.
import type { ModelConfig } from '../../src/model/config';
import { median } from '../../src/core/stats';
import type { Encodable } from '../../src/gpu/forward-plan';
import { timeSubmission } from '../../src/gpu/profile';
import type { Family } from '../../src/gpu/kernels';
import type { ShaderSources } from '../../src/gpu/shader-source';

export interface BenchContext {
  device: GPUDevice;
  src: ShaderSources;
  /** Dispatches per timed submission; undefined: calibrated to ~TARGET_MS. */
  reps?: number;
  /** Timed submissions; the median is reported. */
  rounds: number;
}

export interface KernelTiming {
  family: Family;
  /** The descriptor's name (e.g. `attention.scores`). */
  kernel: string;
  /** What was timed, in the model's words (layer, shape). */
  what: string;
  /** Median ms per dispatch, and the fastest round's. */
  ms: number;
  msMin: number;
  reps: number;
  /** Arithmetic rate, for kernels whose work is FLOPs. */
  gflops?: number;
  /** Effective bandwidth (bytes the kernel must read and write at least once), for the others. */
  gbs?: number;
}

/** One family's micro-benchmark: every kernel of the family on the shapes of `config`. */
export interface FamilyBench {
  family: Family;
  run(ctx: BenchContext, config: ModelConfig, batch: number): Promise<KernelTiming[]>;
}

/** What one dispatch does, for the rates: FLOPs, or the bytes it must move. */
export interface Work {
  flops?: number;
  bytes?: number;
}

const TARGET_MS = 50;
const MAX_REPS = 200;

export async function timeDispatch(ctx: BenchContext, d: Encodable, id: { family: Family; kernel: string; what: string }, work: Work): Promise<KernelTiming> {
  await timeSubmission(ctx.device, [d], 1);
  const once = await timeSubmission(ctx.device, [d], 1);
  const reps = ctx.reps ?? Math.max(3, Math.min(MAX_REPS, Math.ceil(TARGET_MS / Math.max(once, 1e-3))));
  const samples: number[] = [];
  for (let i = 0; i < ctx.rounds; i++) samples.push((await timeSubmission(ctx.device, [d], reps)) / reps);
  const ms = median(samples);
  return {
    ...id,
    ms,
    msMin: Math.min(...samples),
    reps,
    ...(work.flops !== undefined && { gflops: work.flops / (ms * 1e6) }),
    ...(work.bytes !== undefined && { gbs: work.bytes / (ms * 1e6) }),
  };
}

/** Deterministic values in (-scale, scale) (a sine hash: timing needs no better randomness),
 * so every run times the same data. */
export function randomValues(n: number, seed: number, scale = 1): Float32Array<ArrayBuffer> {
  return Float32Array.from({ length: n }, (_, i) => ((Math.sin(seed * 7919 + i * 12.9898) * 43758.5453) % 1) * scale);
}

/** A storage buffer holding `data` (zeros when given a length in 4-byte words). */
function storage(device: GPUDevice, data: ArrayBufferView<ArrayBuffer> | number, label?: string): GPUBuffer {
  const bytes = typeof data === 'number' ? data * 4 : data.byteLength;
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(bytes / 4) * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  if (typeof data !== 'number') device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/** Buffers created during one family's run, freed together. */
export class BufferSet {
  private readonly all: GPUBuffer[] = [];
  constructor(private readonly device: GPUDevice) {}
  random(n: number, seed: number, scale = 1): GPUBuffer {
    return this.keep(storage(this.device, randomValues(n, seed, scale)));
  }
  data(data: ArrayBufferView<ArrayBuffer>): GPUBuffer {
    return this.keep(storage(this.device, data));
  }
  zeros(words: number): GPUBuffer {
    return this.keep(storage(this.device, words));
  }
  keep(b: GPUBuffer): GPUBuffer {
    this.all.push(b);
    return b;
  }
  destroy(): void {
    for (const b of this.all) b.destroy();
  }
}
