// The bench page (served by Vite, driven by bench/peers/page-driver.ts): in one page, on the
// browser's one WebGPU adapter, our WebGPU engine (`tome-webgpu-page`), our CPU fallback on
// onnxruntime-web WASM (`tome-cpu-page`), and onnxruntime-web itself on the ViT-Ti ONNX graphs (the
// official ToMe at each peer setting) with its WASM (`ort-web-wasm`) and WebGPU (`ort-web-webgpu`) providers. The driver reads logits for
// the golden check and asks for single timed forwards; the page times each one itself.
import * as ortWebGpu from 'onnxruntime-web/webgpu';
import asyncifyWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.wasm?url';
import asyncifyMjsUrl from 'onnxruntime-web/ort-wasm-simd-threaded.asyncify.mjs?url';
import type { InferenceSession } from 'onnxruntime-common';
import { loadModelBrowser } from '../../src/model/load-browser';
import type { Backend } from '../../src/core/backend';
import type { Schedule, ToMeOptions } from '../../src/core/tome';
import { createOrtWebBackend, describeWasm, ortWasm } from '../../src/ort/web';
import type { BenchPageApi, PageEngine, PageInfo, PageSetup } from './api';
import { goldenCaseName } from '../peers/peer-settings';

/** A forward of `inputs` at r with this schedule (a peer: a setting it has a graph for). */
type Runner = (inputs: Float32Array[], r: number, schedule: Schedule) => Promise<Float32Array[]>;

const runners = new Map<PageEngine, Runner>();
let inputs: Float32Array[] = [];

async function f32(url: string): Promise<Float32Array> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  return new Float32Array(await res.arrayBuffer());
}

function tome(r: number, schedule: Schedule): ToMeOptions {
  return { r, schedule, propAttn: true, mode: 'merge' };
}

function ourRunner(b: Backend): Runner {
  return async (xs, r, schedule) => (await b.run(xs, tome(r, schedule))).results.map((x) => x.logits);
}

/** An onnxruntime-web session per setting (the whole ONNX graphs); batch = leading dim. */
function ortRunner(ort: { Tensor: typeof ortWebGpu.Tensor }, sessions: Record<string, InferenceSession>): Runner {
  return async (xs, r, schedule) => {
    const s = sessions[goldenCaseName({ r, schedule })];
    if (!s) throw new Error(`no ONNX graph for r=${r} ${schedule}`);
    const n = xs[0].length;
    const pixels = new Float32Array(xs.length * n);
    xs.forEach((x, i) => pixels.set(x, i * n));
    const S = Math.round(Math.sqrt(n / 3));
    const out = await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', pixels, [xs.length, 3, S, S]) });
    const logits = (await out[s.outputNames[0]].getData()) as Float32Array;
    const k = logits.length / xs.length;
    return xs.map((_, i) => logits.slice(i * k, (i + 1) * k));
  };
}

async function ortSessions(
  create: (bytes: Uint8Array) => Promise<InferenceSession>,
  graphs: Record<string, string>,
  keys: string[] = Object.keys(graphs),
): Promise<Record<string, InferenceSession>> {
  const out: Record<string, InferenceSession> = {};
  for (const key of keys) {
    const res = await fetch(graphs[key]);
    if (!res.ok) throw new Error(`${graphs[key]}: HTTP ${res.status}`);
    out[key] = await create(new Uint8Array(await res.arrayBuffer()));
  }
  return out;
}

async function setup(s: PageSetup): Promise<PageInfo> {
  const errors: Record<string, string> = {};
  const providers: Record<string, string> = {};
  const weights = await loadModelBrowser(s.model, { baseUrl: '/weights/' });
  inputs = await Promise.all(s.inputs.map(f32));
  const { ort, threading } = ortWasm();
  const wasm = describeWasm(threading);

  let adapterName = 'none';
  try {
    const gpu = navigator.gpu;
    const adapter = gpu ? await gpu.requestAdapter() : null;
    if (!adapter) throw new Error('no WebGPU adapter');
    const ai = adapter.info;
    adapterName = [ai.vendor, ai.architecture, ai.device, ai.description].filter(Boolean).join(' ');
    const { createWebGpuBackend } = await import('../../src/gpu/engine');
    const engine = await createWebGpuBackend(weights, { adapter, maxBatch: s.maxBatch });
    runners.set('tome-webgpu-page', ourRunner(engine));
    providers['tome-webgpu-page'] = `our WGSL engine, matmul ${engine.matmulVariant}, on ${adapterName}`;
  } catch (e) {
    errors['tome-webgpu-page'] = (e as Error).message;
  }

  const fallback = createOrtWebBackend(weights);
  runners.set('tome-cpu-page', ourRunner(fallback));
  providers['tome-cpu-page'] = `our whole-forward graphs (ToMe inside) on ${wasm}`;

  try {
    // The same threading as our fallback's sessions (they share this runtime): idle threads sleep.
    const sessions = await ortSessions(
      (b) =>
        ort.InferenceSession.create(b, {
          executionProviders: ['wasm'],
          graphOptimizationLevel: 'all',
          extra: { session: { intra_op: { allow_spinning: '0' } } },
        }),
      s.graphs,
    );
    runners.set('ort-web-wasm', ortRunner(ort, sessions));
    providers['ort-web-wasm'] = `onnxruntime-web: ${wasm}, wasm execution provider`;
  } catch (e) {
    errors['ort-web-wasm'] = (e as Error).message;
  }

  try {
    ortWebGpu.env.wasm.wasmPaths = { wasm: asyncifyWasmUrl, mjs: asyncifyMjsUrl };
    ortWebGpu.env.wasm.numThreads = threading.threads;
    ortWebGpu.env.wasm.proxy = false;
    const sessions = await ortSessions(
      (b) => ortWebGpu.InferenceSession.create(b, { executionProviders: ['webgpu'], graphOptimizationLevel: 'all' }),
      s.graphs,
      s.gpuGraphs,
    );
    runners.set('ort-web-webgpu', ortRunner(ortWebGpu, sessions));
    providers['ort-web-webgpu'] = `onnxruntime-web ${ortWebGpu.env.versions.web ?? ''} WebGPU execution provider on ${adapterName}`;
  } catch (e) {
    errors['ort-web-webgpu'] = (e as Error).message;
  }
  return { crossOriginIsolated: globalThis.crossOriginIsolated, wasm, adapter: adapterName, providers, errors };
}

function runnerOf(engine: PageEngine): Runner {
  const run = runners.get(engine);
  if (!run) throw new Error(`${engine} is not set up`);
  return run;
}

const bench: BenchPageApi = {
  setup,
  /** Logits of every golden input at a setting, one forward each. */
  async logits(engine: PageEngine, { r, schedule }: { r: number; schedule: Schedule }): Promise<number[][]> {
    const out: number[][] = [];
    for (const x of inputs) out.push(Array.from((await runnerOf(engine)([x], r, schedule))[0]));
    return out;
  },
  /** One forward of `batch` golden inputs (repeated), timed in the page: ms. */
  async time(engine: PageEngine, r: number, batch: number, schedule: Schedule = 'constant'): Promise<number> {
    const xs = Array.from({ length: batch }, (_, i) => inputs[i % inputs.length]);
    const run = runnerOf(engine);
    const t0 = performance.now();
    await run(xs, r, schedule);
    return performance.now() - t0;
  },
};

(window as unknown as { __bench: BenchPageApi }).__bench = bench;
document.getElementById('status')!.textContent = 'ready';
