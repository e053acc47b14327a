// Runs single kernels of the engine on the Dawn adapter 'auto' picks, for kernel-vs-CPU tests:
// upload inputs to the kernel's named bindings, dispatch once, read every binding back.
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { compileKernels, standaloneDispatch, type Kernel, type KernelSet, type UniformFields, type UniformValues } from '../../src/gpu/kernels';
import type { ShaderSources } from '../../src/gpu/shader-source';
import { encodeDispatch } from '../../src/gpu/forward-plan';

export type Data = Float32Array | Int32Array | Uint16Array;

export async function testDevice(features: GPUFeatureName[] = []): Promise<{ device: GPUDevice; adapter: GPUAdapter }> {
  const { adapter } = await requestNodeAdapter('auto');
  const device = await adapter.requestDevice({ requiredFeatures: features.filter((f) => adapter.features.has(f)) });
  return { device, adapter };
}

/** Dispatches `kernel` with its uniform struct filled from `uniform` and each storage binding
 * from the input of the same name, with the descriptor's workgroup count, and returns the final
 * contents of every binding, as raw bytes. */
export async function runKernel<F extends UniformFields, B extends string>(
  device: GPUDevice,
  kernel: Kernel<F, B>,
  uniform: UniformValues<F>,
  inputs: Readonly<Record<B, Data>>,
): Promise<Record<B, ArrayBuffer>> {
  const names = Object.keys(inputs) as B[];
  const bufs = {} as Record<B, GPUBuffer>;
  for (const name of names) {
    const d = inputs[name];
    const size = Math.max(16, Math.ceil(d.byteLength / 4) * 4);
    const b = device.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const padded = new Uint8Array(size);
    padded.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength));
    device.queue.writeBuffer(b, 0, padded);
    bufs[name] = b;
  }
  const dispatch = standaloneDispatch(device, kernel, uniform, bufs);
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  encodeDispatch(pass, dispatch);
  pass.end();
  const reads = names.map((name) => {
    const b = bufs[name];
    const r = device.createBuffer({ size: b.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    enc.copyBufferToBuffer(b, 0, r, 0, b.size);
    return r;
  });
  device.queue.submit([enc.finish()]);
  const out = {} as Record<B, ArrayBuffer>;
  for (const [i, r] of reads.entries()) {
    await r.mapAsync(GPUMapMode.READ);
    out[names[i]] = r.getMappedRange().slice(0);
    r.destroy();
  }
  for (const b of [dispatch.uniform, ...Object.values<GPUBuffer>(bufs)]) b.destroy();
  return out;
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, n = Math.min(a.length, b.length)): number {
  let m = 0;
  for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** The engine's kernels compiled once per head dim (f32, reg4x4 matmul) on the test device, which
 * `device()` and `src()` give once the suite's beforeAll has opened it. */
export function kernelCache(device: () => GPUDevice, src: () => ShaderSources, maxTokens: number): (headDim: number) => Promise<KernelSet> {
  const byHeadDim = new Map<number, Promise<KernelSet>>();
  return (headDim) => {
    let k = byHeadDim.get(headDim);
    if (!k) byHeadDim.set(headDim, (k = compileKernels(device(), src(), { headDim, maxTokens, matmul: 'reg4x4', f16: false })));
    return k;
  };
}
