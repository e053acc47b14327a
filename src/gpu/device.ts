// The one place a GPU device is asked for, by the engine and by the page: which optional
// features it may use and which limits it needs raised above the defaults.

/** The browser's adapter (navigator.gpu); in Node pass one from requestNodeAdapter() instead. */
export async function browserAdapter(): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not available here (no navigator.gpu); in Node pass an adapter from requestNodeAdapter()');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU: no adapter');
  return adapter;
}

/**
 * A device for the engine: timestamp queries when the adapter has them (GPU times and the
 * profile), shader-f16 only when f16 is asked for, and the adapter's own ceilings for the
 * limits bigger models hit first (one buffer of a batch's hidden activations, the storage
 * buffers per stage, which the GL route keeps at 4 unless raised, and the workgroup memory
 * ToMe's ranking needs for more than 2730 tokens).
 */
export function requestEngineDevice(adapter: GPUAdapter, opts: { f16?: boolean } = {}): Promise<GPUDevice> {
  const wanted: GPUFeatureName[] = ['timestamp-query'];
  if (opts.f16) wanted.push('shader-f16');
  return adapter.requestDevice({
    requiredFeatures: wanted.filter((f) => adapter.features.has(f)),
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
      // ToMe's ranking keeps the first block's A tokens in workgroup memory (budget.ts).
      maxComputeWorkgroupStorageSize: adapter.limits.maxComputeWorkgroupStorageSize,
    },
  });
}
