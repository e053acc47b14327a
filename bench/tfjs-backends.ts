// Node setup of the tfjs peer's backends. The webgpu backend must run on the same Dawn route and
// adapter as our engine, or the comparison measures two different (software) GPUs.
// Facts this relies on were measured here (see ../shared/WEBGPU-ON-CPU.md, "Running the tfjs peer").
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { create, globals } from 'webgpu';

export type PeerBackendName = 'webgpu' | 'wasm' | 'cpu';
/** Dawn routes on GPU-less machines: Vulkan (Mesa lavapipe) or OpenGL ES (Mesa llvmpipe). */
export type AdapterRoute = 'vulkan' | 'gl';

export interface PeerAdapterInfo {
  /** Engine name for bench rows: tfjs-webgpu, tfjs-wasm or tfjs-cpu. */
  engine: string;
  backend: PeerBackendName;
  route?: AdapterRoute;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  wasmSimd?: boolean;
  wasmThreads?: number;
}

/**
 * Requests the Dawn adapter and device for a route, with the options our engine uses: the GL
 * route only exists in compatibility mode and exposes 4 storage buffers per stage unless the
 * limit is raised, so every limit tfjs may need is raised to the adapter's maximum.
 */
async function requestDawnDevice(gpu: GPU, route: AdapterRoute): Promise<{ device: GPUDevice; info: GPUAdapterInfo }> {
  const adapter = await gpu.requestAdapter(route === 'gl' ? { featureLevel: 'compatibility' } : {});
  if (!adapter) throw new Error(`no WebGPU adapter on the ${route} route (see ../shared/WEBGPU-ON-CPU.md)`);
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
    requiredLimits: {
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
  });
  return { device, info: adapter.info };
}

/**
 * Registers 'webgpu' with a factory bound to our route. tfjs-backend-webgpu checks
 * `navigator.gpu` when imported, which Node 20 lacks, so a navigator is defined first; its stock
 * factory is then replaced (it would pick its own adapter, and fails on the GL route), keeping
 * the name 'webgpu' under which its kernels are registered.
 */
async function registerWebGpu(route: AdapterRoute): Promise<GPUAdapterInfo> {
  Object.assign(globalThis, globals);
  if (route === 'gl') process.env.EGL_PLATFORM ??= 'surfaceless';
  const gpu = create(route === 'gl' ? ['backend=opengles'] : []);
  if (!('navigator' in globalThis)) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true });
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const { device, info } = await requestDawnDevice(gpu, route);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info));
  return info;
}

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/**
 * Makes `name` the active tfjs backend and describes where it runs. For 'webgpu', `adapterRoute`
 * picks the Dawn route (default vulkan, i.e. `create([])`, as our engine's default).
 */
export async function usePeerBackend(
  name: PeerBackendName,
  opts: { adapterRoute?: AdapterRoute } = {},
): Promise<PeerAdapterInfo> {
  const engine = `tfjs-${name}`;
  if (name === 'webgpu') {
    const route = opts.adapterRoute ?? 'vulkan';
    const info = await registerWebGpu(route);
    await activate('webgpu');
    return {
      engine,
      backend: name,
      route,
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
    };
  }
  if (name === 'wasm') {
    // In Node the wasm binaries are read from disk: a file path prefix, not a URL.
    setWasmPaths(wasmDistDir());
    await activate('wasm');
    return { engine, backend: name, wasmSimd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), wasmThreads: getThreadsCount() };
  }
  await activate('cpu');
  return { engine, backend: name, description: 'tfjs-backend-cpu (plain JavaScript)' };
}

async function activate(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' failed to initialise`);
  await tf.ready();
}
