// The one backend choice (src/backends/choose.ts) with stand-in places: which backend runs, and
// what the user is told, for every way WebGPU or ONNX Runtime can be missing. No GPU needed: the
// adapters here are fakes that either have no room for the model or fail to give a device.
import { describe, expect, it } from 'vitest';
import { backendChoicesRefusal, BackendUnavailable, openBackend, type BackendPlace } from '../../src/backends/choose';
import { engineChoicesRefusal } from '../../src/gpu/choices';
import { NEVER_LOST, noKernelsToProfile, type Backend } from '../../src/core/backend';
import type { ViTWeights } from '../../src/model/weights';
import { randomViT } from '../support/random';

const weights = randomViT({}, 7);
/** ViT-H/14's dims (2.4 GiB of weights, over the 2 GiB an ONNX graph holds); the choice reads
 * only the config before refusing it, so no tensor is made. */
const huge: ViTWeights = {
  config: { ...weights.config, id: 'huge', embedDim: 1280, depth: 32, numHeads: 16, mlpHidden: 5120, patchSize: 14, imgSize: 224, numClasses: 1000 },
  tensors: new Map(),
};

/** A stand-in for the ONNX Runtime path: a Backend named cpu that runs nothing. */
function fakeOrt(): Backend {
  const b: Backend = {
    name: 'cpu',
    config: weights.config,
    description: 'fake ONNX Runtime',
    run: () => Promise.reject(new Error('not run in this test')),
    profile: () => noKernelsToProfile(b),
    lost: NEVER_LOST,
    loseDevice() {},
    dispose() {},
  };
  return b;
}

/** An adapter with the given limits whose device request fails (so the engine cannot start). */
function fakeAdapter(maxBuffer: number): GPUAdapter {
  const limits = { maxBufferSize: maxBuffer, maxStorageBufferBindingSize: maxBuffer, maxStorageBuffersPerShaderStage: 8 };
  return {
    limits,
    features: new Set<string>(),
    info: { vendor: 'fake', architecture: '', device: '', description: 'fake adapter' },
    requestDevice: () => Promise.reject(new Error('no device for you')),
  } as unknown as GPUAdapter;
}

function place(over: Partial<BackendPlace> = {}): BackendPlace & { lines: string[] } {
  const lines: string[] = [];
  return {
    adapter: () => Promise.resolve({ none: 'no adapter here' }),
    openOrt: () => Promise.resolve({ backend: fakeOrt(), note: 'two threads' }),
    maxBatch: 1,
    log: (l) => lines.push(l),
    lines,
    ...over,
  };
}

describe('the backend choice', () => {
  it('runs the backend asked for by name, without asking for an adapter', async () => {
    const p = place({ adapter: () => Promise.reject(new Error('must not be asked')) });
    expect((await openBackend(weights, 'reference', p)).backend.name).toBe('reference');
    const cpu = await openBackend(weights, 'cpu', p);
    expect([cpu.backend.name, cpu.note, cpu.fallbackReason]).toEqual(['cpu', 'two threads', undefined]);
  });

  it('without an adapter: the CPU path with the reason, or an error when WebGPU was asked for', async () => {
    const p = place();
    const auto = await openBackend(weights, 'auto', p);
    expect(auto.backend.name).toBe('cpu');
    expect(auto.fallbackReason).toBe('no adapter here.');
    expect(p.lines).toEqual(['no adapter here; using the CPU path']);
    await expect(openBackend(weights, 'webgpu', place())).rejects.toThrow(new BackendUnavailable('webgpu', 'no adapter here'));
  });

  it('a model over the adapter\u2019s limits falls back with the line naming the limit', async () => {
    const p = place({ adapter: () => Promise.resolve(fakeAdapter(1024)) });
    const auto = await openBackend(weights, 'auto', p);
    expect(auto.backend.name).toBe('cpu');
    expect(auto.fallbackReason).toMatch(/^random \(f32, batch 1\): buffer \w+ needs [\d.]+ KiB, over this adapter's \w+ of 1\.0 KiB/);
    await expect(openBackend(weights, 'webgpu', place({ adapter: () => Promise.resolve(fakeAdapter(1024)) }))).rejects.toThrow(
      /^--backend webgpu: random \(f32/,
    );
  });

  it('an engine that fails to start falls back, saying why', async () => {
    const p = place({ adapter: () => Promise.resolve(fakeAdapter(2 ** 30)) });
    const auto = await openBackend(weights, 'auto', p);
    expect(auto.backend.name).toBe('cpu');
    expect(auto.fallbackReason).toBe('The WebGPU engine failed to start: no device for you.');
  });

  it('the reference where ONNX Runtime does not build the model or does not start', async () => {
    const refused = await openBackend(huge, 'auto', place());
    expect(refused.backend.name).toBe('reference');
    expect(refused.fallbackReason).toMatch(/^no adapter here\. huge: its 2\.4 GiB of weights are over the 2 GiB an ONNX graph can hold/);
    await expect(openBackend(huge, 'cpu', place())).rejects.toThrow(/^--backend cpu: huge: .*; --backend reference runs it$/);
    const broken = await openBackend(weights, 'auto', place({ openOrt: () => Promise.reject(new Error('no wasm\nmore')) }));
    expect(broken.backend.name).toBe('reference');
    expect(broken.fallbackReason).toBe('no adapter here. ONNX Runtime did not start either (no wasm).');
  });

  it('names the first design choice a backend does not run (the page\u2019s worker routes it to the reference)', () => {
    const settings = [{}, { metric: 'v' as const }, { matching: 'kmeans' as const }];
    expect(backendChoicesRefusal('reference', settings)).toBeNull();
    expect(backendChoicesRefusal('cpu', [{}])).toBeNull();
    // The CPU path runs metric v (src/ort/choices.ts), not k-means.
    expect(backendChoicesRefusal('cpu', settings.slice(0, 2))).toBeNull();
    expect(backendChoicesRefusal('cpu', settings)).toBe('the CPU path (ONNX Runtime) does not run --matching kmeans yet (only bipartite)');
    // Whatever the engine runs today: the same answer as the engine's own check.
    expect(backendChoicesRefusal('webgpu', settings)).toBe(engineChoicesRefusal(settings));
  });
});
