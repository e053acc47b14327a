// Aggregates per-dispatch GPU times into the profile the CLI's bench and the UI show.
import type { Dispatch } from './forward-plan';

export interface KernelTime {
  label: string;
  family: string;
  block: number;
  ms: number;
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
}

export function aggregateProfile(dispatches: Dispatch[], ms: number[], depth: number, source: ForwardProfile['source']): ForwardProfile {
  const perBlock = new Array(depth).fill(0);
  const perFamily: Record<string, number> = {};
  let tomeMs = 0;
  let embedMs = 0;
  let headMs = 0;
  const kernels = dispatches.map((d, i) => {
    const t = ms[i];
    if (d.block >= 0) perBlock[d.block] += t;
    else if (d.family === 'patch_embed') embedMs += t;
    else headMs += t;
    perFamily[d.family] = (perFamily[d.family] ?? 0) + t;
    if (d.tome) tomeMs += t;
    return { label: d.label, family: d.family, block: d.block, ms: t };
  });
  const totalMs = ms.reduce((a, b) => a + b, 0);
  return { source, kernels, perBlock, embedMs, headMs, perFamily, tomeMs, totalMs };
}
