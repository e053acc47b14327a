// Node setup of the tfjs peer's backends. The webgpu backend must run on the same Dawn route and
// adapter as our engine, or the comparison measures two different (software) GPUs.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { requestNodeAdapter, type ConcreteRoute, type NodeRoute } from '../../src/gpu/node-adapter';

export type PeerBackendName = 'webgpu' | 'wasm' | 'cpu';

export interface PeerAdapterInfo {
  /** Engine name for bench rows: tfjs-webgpu, tfjs-wasm or tfjs-cpu. */
  engine: string;
  backend: PeerBackendName;
  route?: ConcreteRoute;
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  wasmSimd?: boolean;
  wasmThreads?: number;
}

/**
 * A device on `adapter` with what tfjs' own factory asks for, plus the storage-buffer limit: the
 * GL route exposes only 4 storage buffers per stage unless it is raised.
 */
function requestPeerDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  const l = adapter.limits;
  return adapter.requestDevice({
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
}

/**
 * tfjs-backend-webgpu registers itself only if `navigator.gpu` exists when it is imported, and
 * Node 20 has no navigator. The stand-in offers exactly our adapter, so even tfjs' stock
 * factory could not land on another one.
 */
function exposeNavigatorGpu(adapter: GPUAdapter): void {
  const gpu = { requestAdapter: async () => adapter };
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (!nav) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  else if (!nav.gpu) Object.defineProperty(nav, 'gpu', { value: gpu, configurable: true });
}

/**
 * Registers 'webgpu' with a factory bound to the adapter our engine uses on `route`. The stock
 * factory is replaced (it requests an adapter without `featureLevel: 'compatibility'` and so
 * fails on the GL route) under the same name, under which its kernels are registered.
 */
async function registerWebGpu(route: NodeRoute): Promise<{ route: ConcreteRoute; info: GPUAdapterInfo }> {
  const chosen = await requestNodeAdapter(route);
  exposeNavigatorGpu(chosen.adapter);
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  const device = await requestPeerDevice(chosen.adapter);
  const info = chosen.adapter.info;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend('webgpu', () => new WebGPUBackend(device, info));
  return { route: chosen.route, info };
}

function wasmDistDir(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
}

/**
 * Makes `name` the active tfjs backend and describes where it runs. For 'webgpu', `adapterRoute`
 * is passed to our engine's `requestNodeAdapter` (default 'auto', env TOME_ADAPTER overrides),
 * so the peer runs on the same Dawn route and adapter as the engine.
 */
export async function usePeerBackend(name: PeerBackendName, opts: { adapterRoute?: NodeRoute } = {}): Promise<PeerAdapterInfo> {
  const engine = `tfjs-${name}`;
  if (name === 'webgpu') {
    const { route, info } = await registerWebGpu(opts.adapterRoute ?? 'auto');
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
