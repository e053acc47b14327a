// What a profile of one forward reports (the WebGPU engine measures it: src/gpu/profile.ts), in
// the shared room so that the page, the bench and the Backend interface can name it.

export interface KernelTime {
  label: string;
  family: string;
  block: number;
  ms: number;
}

export interface TomeOverhead {
  batch: number;
  forwardMs: number;
  /** ToMe's dispatches per forward. */
  tomeMs: number;
  /** tomeMs / forwardMs. */
  share: number;
  withoutMs: number;
  /** (forwardMs - withoutMs) / forwardMs. */
  ablationShare: number;
  dispatches: { forward: number; tome: number };
}

export interface ForwardProfile {
  /** 'gpu-timestamp': timestamp queries around each dispatch; 'wall' (adapters without
   * timestamp-query): each dispatch replayed in a submission of its own after the forward,
   * timed on the host, less an empty submission's round trip, per replay. */
  source: 'gpu-timestamp' | 'wall';
  kernels: KernelTime[];
  /** Time per transformer block (index = block). */
  perBlock: number[];
  /** Embedding before the blocks and the classifier after them. */
  embedMs: number;
  headMs: number;
  perFamily: Record<string, number>;
  /** ToMe's own work: metric, matching, merge and patch-map updates. */
  tomeMs: number;
  totalMs: number;
  /** ToMe's own cost measured apart (measureTomeOverhead), when it was asked for. */
  tomeCost: TomeOverhead | null;
}
