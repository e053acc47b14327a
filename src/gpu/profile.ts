// Timing of one forward's dispatches: the per-kernel profile (timestamp queries, or host-timed
// replays on adapters without them) aggregated per block and kernel family, and ToMe's own cost
// (its dispatches timed alone against the whole forward). The engine calls these inside its
// one-job-at-a-time queue, on a plan's dispatch list.
import type { ForwardProfile, TomeOverhead } from '../core/profile';
import { median } from '../core/stats';
import { encodeDispatch, type Dispatch, type Encodable } from './forward-plan';

/** Replays per timed submission when timing dispatches on the host: one submission's fixed
 * cost, which the forward spreads over all its dispatches, is then spread over this many. */
export const HOST_REPLAYS = 10;

export function aggregateProfile(dispatches: Dispatch[], ms: number[], depth: number, source: ForwardProfile['source']): Omit<ForwardProfile, 'tomeCost'> {
  const perBlock = new Array<number>(depth).fill(0);
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

/** Host time of one submission holding `list` encoded `times` times in one compute pass. */
export async function timeSubmission(device: GPUDevice, list: Encodable[], times: number): Promise<number> {
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  for (let i = 0; i < times; i++) for (const d of list) encodeDispatch(pass, d);
  pass.end();
  const t0 = performance.now();
  device.queue.submit([enc.finish()]);
  await device.queue.onSubmittedWorkDone();
  return performance.now() - t0;
}

/**
 * Per-dispatch times without timestamp queries: each dispatch replayed HOST_REPLAYS times in its
 * own submission, timed on the host, less the round trip of an empty submission (the fastest of
 * a few), per replay. Inside a forward the dispatches share one submission; timing each alone in
 * one submission would charge every small kernel that fixed cost in full. The replays run on
 * whatever the buffers hold (a residual add accumulates, a softmax re-normalises), so call this
 * only after the forward's results were read back.
 */
export async function timeDispatchesOnHost(device: GPUDevice, dispatches: Dispatch[]): Promise<number[]> {
  let empty = Infinity;
  for (let i = 0; i < 5; i++) empty = Math.min(empty, await timeSubmission(device, [], 0));
  const out: number[] = [];
  for (const d of dispatches) out.push(Math.max(0, (await timeSubmission(device, [d], HOST_REPLAYS)) - empty) / HOST_REPLAYS);
  return out;
}

/**
 * ToMe's own cost in a forward of `batch` images (one submission each, on whatever the working
 * buffers hold), alternated `rounds` times after a warm-up round, medians in ms:
 *  - the whole forward;
 *  - ToMe's dispatches alone (metric, matching, merge, map updates of every block), replayed
 *    HOST_REPLAYS times in one submission;
 *  - as a cross-check, the forward without its ToMe dispatches (an ablation: same token
 *    schedule, every other dispatch unchanged). On CPU adapters the forward's own run-to-run
 *    spread (~10%) is larger than ToMe's share, so this difference alone cannot resolve it.
 * Leaves the working buffers in an undefined state: the next forward must start afresh.
 */
export async function measureTomeOverhead(device: GPUDevice, all: Dispatch[], batch: number, rounds: number): Promise<TomeOverhead> {
  const tome = all.filter((d) => d.tome);
  const lists = { forward: { list: all, times: 1 }, tome: { list: tome, times: HOST_REPLAYS }, without: { list: all.filter((d) => !d.tome), times: 1 } };
  const samples = { forward: [] as number[], tome: [] as number[], without: [] as number[] };
  for (let i = 0; i <= rounds; i++) {
    for (const [key, { list, times }] of Object.entries(lists) as Array<[keyof typeof lists, { list: Dispatch[]; times: number }]>) {
      const ms = (await timeSubmission(device, list, times)) / times;
      if (i > 0) samples[key].push(ms);
    }
  }
  const forwardMs = median(samples.forward);
  const tomeMs = tome.length ? median(samples.tome) : 0;
  const withoutMs = median(samples.without);
  return {
    batch,
    forwardMs,
    tomeMs,
    share: tomeMs / forwardMs,
    withoutMs,
    ablationShare: (forwardMs - withoutMs) / forwardMs,
    dispatches: { forward: all.length, tome: tome.length },
  };
}
