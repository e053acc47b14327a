// Peer engines timed on the same adapter after our own configurations. None is wired in yet:
// the ONNX Runtime WebGPU peer is being written separately and plugs in here, as a
// MatrixPeer whose rows use the same settings, batches and MatrixRow fields (engine
// 'ort-webgpu'), so the report puts it beside ours without changes. Its native files must
// then travel in the bundle too (see bench/remote-gpu.sh, the size budget in bench/remote/).
import type { ViTWeights } from '../../src/model/weights';
import type { Schedule } from '../../src/core/tome';
import type { PeerRows } from './result';

export interface PeerContext {
  weights: ViTWeights;
  inputs: Float32Array[];
  /** Official r = 0 top-1 per input: a peer must match it before it is timed. */
  r0Top1: number[];
  batches: number[];
  settings: Array<{ r: number; schedule: Schedule }>;
  warmupRounds: number;
  timedRounds: number;
  /** The Dawn route and adapter name our engine ran on, to pick the same adapter. */
  route: string;
  log(line: string): void;
}

export interface MatrixPeer {
  name: string;
  run(ctx: PeerContext): Promise<PeerRows>;
}

/** The ONNX Runtime WebGPU peer's place: add it to this list once it exists. */
export const MATRIX_PEERS: readonly MatrixPeer[] = [];
