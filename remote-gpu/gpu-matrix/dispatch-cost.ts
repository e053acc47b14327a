// What a forward pays per submission and per dispatch, whatever its work: the host round trip
// of an empty submission, and the cost of one more dependent dispatch inside a submission
// (a one-invocation kernel that increments a counter, so each dispatch reads what the one
// before wrote and the implementation must order them, as it orders a forward's kernels).
// The kernel is a probe, not part of the model, which is why its WGSL lives here.
import { median } from '../../src/core/stats';
import { timeSubmission } from '../../src/gpu/profile';
import type { DispatchCost } from './result';

const COUNTER_WGSL = `
@group(0) @binding(0) var<storage, read_write> counter: array<u32>;
@compute @workgroup_size(1) fn main() { counter[0] = counter[0] + 1u; }
`;

/**
 * Medians over `rounds` alternating submissions: empty, and `perSubmission` counter dispatches.
 * Throws when the counter does not end at the number of dispatches submitted (a dispatch that
 * did not run, or ran out of order, would make the figure meaningless).
 */
export async function measureDispatchCost(device: GPUDevice, rounds: number, perSubmission = 200): Promise<DispatchCost> {
  const module = device.createShaderModule({ label: 'dispatch-cost probe', code: COUNTER_WGSL });
  const pipeline = await device.createComputePipelineAsync({ label: 'dispatch-cost probe', layout: 'auto', compute: { module, entryPoint: 'main' } });
  const counter = device.createBuffer({ size: 4, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(counter, 0, new Uint32Array([0]));
  const read = device.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const bindGroup = device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: counter } }] });
  const d = { pipeline, bindGroup, groups: [1, 1, 1] as [number, number, number] };
  const empty: number[] = [];
  const full: number[] = [];
  let submitted = 0;
  try {
    for (let i = 0; i <= rounds; i++) {
      const e = await timeSubmission(device, [], 0);
      const f = await timeSubmission(device, [d], perSubmission);
      submitted += perSubmission;
      // The first round warms the pipeline up and is not kept.
      if (i > 0) {
        empty.push(e);
        full.push(f);
      }
    }
    const enc = device.createCommandEncoder();
    enc.copyBufferToBuffer(counter, 0, read, 0, 4);
    device.queue.submit([enc.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const count = new Uint32Array(read.getMappedRange().slice(0))[0];
    read.unmap();
    if (count !== submitted) throw new Error(`dispatch-cost probe: counter ${count} after ${submitted} dispatches`);
  } finally {
    counter.destroy();
    read.destroy();
  }
  const emptySubmitMs = median(empty);
  return { emptySubmitMs, perDispatchMs: Math.max(0, median(full) - emptySubmitMs) / perSubmission, dispatchesPerSubmission: perSubmission };
}
