// Runs single kernels of the engine on the Dawn adapter 'auto' picks, for kernel-vs-CPU tests:
// upload inputs, dispatch once, read chosen buffers back.
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import type { Kernel } from '../../src/gpu/kernels';
import { UNIFORM_BYTES } from '../../src/gpu/forward-plan';

export type Field = number | { f: number };
export type Data = Float32Array | Int32Array | Uint16Array;

export async function testDevice(features: GPUFeatureName[] = []): Promise<{ device: GPUDevice; adapter: GPUAdapter }> {
  const { adapter } = await requestNodeAdapter('auto');
  const device = await adapter.requestDevice({ requiredFeatures: features.filter((f) => adapter.features.has(f)) });
  return { device, adapter };
}

/** Dispatches `kernel` with its storage bindings fed from `inputs` (in binding order) and
 * returns the final contents of every binding, as raw bytes. */
export async function runKernel(device: GPUDevice, kernel: Kernel, uniform: Field[], inputs: Data[], groups: [number, number, number]): Promise<ArrayBuffer[]> {
  const u = device.createBuffer({ size: UNIFORM_BYTES, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  const ub = new DataView(new ArrayBuffer(UNIFORM_BYTES));
  uniform.forEach((v, i) => (typeof v === 'number' ? ub.setUint32(i * 4, v, true) : ub.setFloat32(i * 4, v.f, true)));
  device.queue.writeBuffer(u, 0, ub.buffer);
  const bufs = inputs.map((d) => {
    const size = Math.max(16, Math.ceil(d.byteLength / 4) * 4);
    const b = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const padded = new Uint8Array(size);
    padded.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    device.queue.writeBuffer(b, 0, padded);
    return b;
  });
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: { buffer: u } }];
  kernel.bindings.forEach((binding, i) => entries.push({ binding, resource: { buffer: bufs[i] } }));
  const bindGroup = device.createBindGroup({ layout: kernel.pipeline.getBindGroupLayout(0), entries });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(kernel.pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(...groups);
  pass.end();
  const reads = bufs.map((b) => {
    const r = device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(b, 0, r, 0, b.size);
    return r;
  });
  device.queue.submit([enc.finish()]);
  const out: ArrayBuffer[] = [];
  for (const r of reads) {
    await r.mapAsync(GPUMapMode.READ);
    out.push(r.getMappedRange().slice(0));
    r.destroy();
  }
  for (const b of [u, ...bufs]) b.destroy();
  return out;
}


export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
