// The WebGPU ViT+ToMe engine: whole forward passes in our WGSL kernels, one command
// submission per forward (per batch chunk), no read-back until the end. Runs unchanged in the
// browser (navigator.gpu) and in Node (pass an adapter from node-adapter.ts).
import { numPatches, headDim, type ModelConfig } from '../model/config';
import type { Backend, ForwardResult, Timing } from '../model/backend';
import { canonicalGroups, type ToMeOptions } from '../model/tome';
import { initialTokenOfPatch } from '../cpu/tome';
import type { ViTWeights } from '../model/weights';
import type { DecodedImage } from '../model/preprocess';
import { createActivations, destroyActivations, type Activations } from './activations';
import { buildPlan, type Dispatch, type ForwardPlan, type PlanContext } from './forward-plan';
import { destroyWeights, uploadWeights, checkGpuShapes, type GpuWeights, type Precision } from './gpu-weights';
import { compileKernels, MATMUL_VARIANTS, type MatmulVariant } from './kernels';
import { adapterKey, measureMatmuls, type MatmulTiming } from './matmul-choice';
import { createPreprocessor, type GpuPreprocessor } from './preprocess';
import { aggregateProfile, type ForwardProfile } from './profile';
import { loadShaderSources } from './shader-source';

export interface WebGpuBackendOptions {
  device?: GPUDevice;
  adapter?: GPUAdapter;
  precision?: 'f32' | 'f16';
  /** Force a matmul variant (see MATMUL_VARIANTS); default: the fastest measured here. */
  matmul?: string;
  /** Largest batch one submission carries; bigger inputs are split. Default 8. */
  maxBatch?: number;
  /** Time every kernel (one pass per dispatch); fills lastProfile. */
  profile?: boolean;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** Decoded 8-bit pixels, row-major interleaved RGB or RGBA (alpha ignored), any size the
 * device's storage binding limit allows (reduce huge photos first, see prepareLimits). */
export interface RawImage extends DecodedImage {
  channels: 3 | 4;
}

type RunOutput = { results: ForwardResult[]; timing: Timing };

export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  /**
   * Like run(), from decoded pixels: timm's eval preprocessing (bit-exact with
   * src/model/preprocess.ts) runs on the GPU in the same submission as the forward, writing
   * straight into the engine's input buffer. Timing includes the preprocessing.
   */
  runImages(images: RawImage[], opts: ToMeOptions): Promise<RunOutput>;
  /**
   * Like runImages, from rgba8unorm textures on this engine's `device` (usage COPY_SRC;
   * e.g. video frames copied in with copyExternalImageToTexture, see frame-texture.ts): the
   * crop's source window is copied out on the GPU and the same preprocessing reads it, in the
   * forward's submission, giving the same result as runImages on the same pixels. A texture
   * may be rewritten once the returned promise settles.
   */
  runTextures(textures: GPUTexture[], opts: ToMeOptions): Promise<RunOutput>;
  /** The device the engine runs on (runTextures' textures must belong to it). */
  readonly device: GPUDevice;
  readonly adapterInfo: AdapterSummary;
  readonly features: string[];
  readonly precision: Precision;
  readonly matmulVariant: MatmulVariant;
  /** Measured matmul variants on this adapter, fastest first (empty when forced). */
  readonly matmulTimings: MatmulTiming[];
  profile: boolean;
  /** Per-kernel, per-block and per-family times of the last forward (profile mode), or null. */
  readonly lastProfile: ForwardProfile | null;
  /** Resolves with the reason when the device is lost; create a new backend then. */
  readonly lost: Promise<string>;
  /**
   * ToMe's own cost in the forward of `opts` at `batch` images (one submission each, on the
   * data the last run() left in the working buffers), alternated `rounds` times, medians in ms:
   *  - the whole forward;
   *  - ToMe's dispatches alone (metric, matching, merge, map updates of every block), replayed
   *    HOST_REPLAYS times in one submission;
   *  - as a cross-check, the forward without its ToMe dispatches (an ablation: same token
   *    schedule, every other dispatch unchanged). On CPU adapters the forward's own run-to-run
   *    spread (~10%) is larger than ToMe's share, so this difference alone cannot resolve it.
   * Leaves the working buffers in an undefined state; the next run() starts afresh.
   */
  measureTomeOverhead(opts: ToMeOptions, rounds?: number, batch?: number): Promise<TomeOverhead>;
}

export interface TomeOverhead {
  batch: number;
  forwardMs: number;
  /** ToMe's dispatches per forward. */
  tomeMs: number;
  /** tomeMs / forwardMs. */
  share: number;
  withoutMs: number;
  /** (forwardMs - withoutMs) / forwardMs. */
  ablationShare: number;
  dispatches: { forward: number; tome: number };
}

/** Replays per timed submission when timing dispatches on the host (measureTomeOverhead, and
 * the profile on adapters without timestamp-query): one submission's fixed cost, which the
 * forward spreads over all its dispatches, is then spread over this many. */
export const HOST_REPLAYS = 10;

const MAX_PLANS = 32;

async function defaultAdapter(): Promise<GPUAdapter> {
  const gpu = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (!gpu) throw new Error('WebGPU is not available here (no navigator.gpu); in Node pass an adapter from requestNodeAdapter()');
  const adapter = await gpu.requestAdapter();
  if (!adapter) throw new Error('WebGPU: no adapter');
  return adapter;
}

function summary(info: GPUAdapterInfo): AdapterSummary {
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

class Engine implements WebGpuBackend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  lastProfile: ForwardProfile | null = null;
  private plans = new Map<string, ForwardPlan>();
  private readback: GPUBuffer;
  private querySet: GPUQuerySet | null = null;
  private queryResolve: GPUBuffer | null = null;
  private maxDispatches: number;
  private imageStage: Float32Array<ArrayBuffer>;
  private preprocessor: GpuPreprocessor;
  private ones: Float32Array<ArrayBuffer>;
  private chain: Promise<unknown> = Promise.resolve();
  private lostReason: string | null = null;
  private layout: { logits: number; probs: number; top5: number; maps: number; times: number };

  constructor(
    readonly config: ModelConfig,
    readonly device: GPUDevice,
    private ownsDevice: boolean,
    readonly adapterInfo: AdapterSummary,
    readonly features: string[],
    readonly precision: Precision,
    readonly matmulVariant: MatmulVariant,
    readonly matmulTimings: MatmulTiming[],
    public profile: boolean,
    private ctx: PlanContext,
    readonly lost: Promise<string>,
    preprocessor: GpuPreprocessor,
  ) {
    this.preprocessor = preprocessor;
    const a = ctx.act;
    const c = config;
    this.description = `WebGPU ${[adapterInfo.vendor, adapterInfo.architecture, adapterInfo.description].filter(Boolean).join(' ')} (${precision}, matmul ${matmulVariant})`;
    void lost.then((r) => (this.lostReason = r));
    // Upper bound on dispatches: every block merging.
    this.maxDispatches = 4 + c.depth * 16;
    const P = numPatches(c);
    const logits = 0;
    const probs = logits + a.maxBatch * a.classStride * 4;
    const top5 = probs + a.maxBatch * a.classStride * 4;
    const maps = top5 + a.maxBatch * 40;
    const times = maps + a.maxBatch * c.depth * P * 4;
    this.layout = { logits, probs, top5, maps, times };
    const hasTimestamps = features.includes('timestamp-query');
    if (hasTimestamps) {
      const count = 2 * this.maxDispatches;
      this.querySet = device.createQuerySet({ type: 'timestamp', count });
      this.queryResolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    }
    const readbackSize = times + (hasTimestamps ? 2 * this.maxDispatches * 8 : 0);
    this.readback = device.createBuffer({ label: 'readback', size: readbackSize, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.imageStage = new Float32Array(a.maxBatch * 3 * c.imgSize * c.imgSize);
    this.ones = new Float32Array(a.maxBatch * (P + 1)).fill(1);
  }

  run(inputs: Float32Array[], opts: ToMeOptions): Promise<RunOutput> {
    const S = this.config.imgSize;
    const imgLen = 3 * S * S;
    return this.enqueue(() => {
      inputs.forEach((x, i) => {
        if (x.length !== imgLen) throw new Error(`input ${i}: ${x.length} floats, expected 3x${S}x${S} = ${imgLen}`);
      });
      return this.runChunks(inputs, opts, (_enc, chunk) => {
        chunk.forEach((x, i) => this.imageStage.set(x, i * imgLen));
        this.device.queue.writeBuffer(this.ctx.act.image, 0, this.imageStage, 0, chunk.length * imgLen);
        return () => undefined;
      });
    });
  }

  runImages(images: RawImage[], opts: ToMeOptions): Promise<RunOutput> {
    const imgLen = 3 * this.config.imgSize * this.config.imgSize;
    return this.enqueue(() =>
      this.runChunks(images, opts, (enc, chunk) => {
        const done: Array<{ release(): void }> = [];
        try {
          chunk.forEach((img, i) => done.push(this.preprocessor.encode(enc, img, this.config, this.ctx.act.image, i * imgLen)));
        } catch (e) {
          done.forEach((d) => d.release());
          throw e;
        }
        return () => done.forEach((d) => d.release());
      }),
    );
  }

  runTextures(textures: GPUTexture[], opts: ToMeOptions): Promise<RunOutput> {
    const imgLen = 3 * this.config.imgSize * this.config.imgSize;
    return this.enqueue(() =>
      this.runChunks(textures, opts, (enc, chunk) => {
        const done: Array<{ release(): void }> = [];
        try {
          chunk.forEach((t, i) => done.push(this.preprocessor.encodeTexture(enc, t, this.config, this.ctx.act.image, i * imgLen)));
        } catch (e) {
          done.forEach((d) => d.release());
          throw e;
        }
        return () => done.forEach((d) => d.release());
      }),
    );
  }

  measureTomeOverhead(opts: ToMeOptions, rounds = 5, batch = 1): Promise<TomeOverhead> {
    return this.enqueue(async () => {
      if (this.lostReason) throw new Error(`WebGPU device lost (${this.lostReason}); create a new backend`);
      if (batch < 1 || batch > this.ctx.act.maxBatch) throw new Error(`measureTomeOverhead: batch ${batch} outside 1..${this.ctx.act.maxBatch}`);
      const all = this.plan(batch, opts).dispatches;
      const tome = all.filter((d) => d.tome);
      const lists = { forward: { list: all, times: 1 }, tome: { list: tome, times: HOST_REPLAYS }, without: { list: all.filter((d) => !d.tome), times: 1 } };
      const samples = { forward: [] as number[], tome: [] as number[], without: [] as number[] };
      for (let i = 0; i <= rounds; i++) {
        for (const [key, { list, times }] of Object.entries(lists) as Array<[keyof typeof lists, { list: Dispatch[]; times: number }]>) {
          const ms = (await this.timeSubmission(list, times)) / times;
          // Round 0 warms up.
          if (i > 0) samples[key].push(ms);
        }
      }
      const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
      const forwardMs = med(samples.forward);
      const tomeMs = tome.length ? med(samples.tome) : 0;
      const withoutMs = med(samples.without);
      return {
        batch,
        forwardMs,
        tomeMs,
        share: tomeMs / forwardMs,
        withoutMs,
        ablationShare: (forwardMs - withoutMs) / forwardMs,
        dispatches: { forward: all.length, tome: tome.length },
      };
    });
  }

  /** Forwards share the working buffers and the read-back buffer: one at a time. */
  private enqueue<R>(job: () => Promise<R>): Promise<R> {
    const next = this.chain.then(job);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /**
   * Splits the inputs into chunks of maxBatch; `fill` puts a chunk into the input buffer, by
   * queue writes or by commands recorded into the forward's encoder (so they share its one
   * submission), and returns what to free once that submission is made.
   */
  private async runChunks<T>(inputs: T[], opts: ToMeOptions, fill: (enc: GPUCommandEncoder, chunk: T[]) => () => void): Promise<RunOutput> {
    if (this.lostReason) throw new Error(`WebGPU device lost (${this.lostReason}); create a new backend`);
    const results: ForwardResult[] = [];
    let ms = 0;
    let source: Timing['source'] = 'gpu-timestamp';
    for (let i = 0; i < inputs.length; i += this.ctx.act.maxBatch) {
      const chunk = inputs.slice(i, i + this.ctx.act.maxBatch);
      const out = await this.forward(chunk.length, opts, (enc) => fill(enc, chunk));
      results.push(...out.results);
      ms += out.ms;
      if (out.source === 'wall') source = 'wall';
    }
    return { results, timing: { ms, source } };
  }

  private plan(batch: number, opts: ToMeOptions): ForwardPlan {
    const key = `${batch}|${opts.r}|${opts.schedule}|${opts.propAttn}|${opts.mode}`;
    let plan = this.plans.get(key);
    if (!plan) {
      if (this.plans.size >= MAX_PLANS) {
        const [oldKey, old] = this.plans.entries().next().value as [string, ForwardPlan];
        old.uniforms.destroy();
        this.plans.delete(oldKey);
      }
      plan = buildPlan(this.ctx, batch, opts);
      this.plans.set(key, plan);
    }
    return plan;
  }

  private async forward(
    B: number,
    opts: ToMeOptions,
    fill: (enc: GPUCommandEncoder) => () => void,
  ): Promise<{ results: ForwardResult[]; ms: number; source: Timing['source'] }> {
    const { device, ctx } = this;
    const c = this.config;
    const a = ctx.act;
    const plan = this.plan(B, opts);
    device.queue.writeBuffer(a.tome, a.tomeLayout.sizes[0] * 4, this.ones, 0, B * (numPatches(c) + 1));

    const ts = this.querySet !== null;
    const perKernelWall = this.profile && !ts;
    const t0 = performance.now();
    const enc = device.createCommandEncoder({ label: 'forward' });
    const release = fill(enc);
    if (this.profile && ts) {
      plan.dispatches.forEach((d, i) => {
        const pass = enc.beginComputePass({ label: d.label, timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
        this.encode(pass, d);
        pass.end();
      });
    } else {
      const pass = enc.beginComputePass(ts ? { timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      for (const d of plan.dispatches) this.encode(pass, d);
      pass.end();
    }
    const L = this.layout;
    const cs = a.classStride;
    enc.copyBufferToBuffer(a.logits, 0, this.readback, L.logits, B * cs * 4);
    enc.copyBufferToBuffer(a.probs, 0, this.readback, L.probs, B * cs * 4);
    enc.copyBufferToBuffer(a.top5, 0, this.readback, L.top5, B * 40);
    const mapFloats = B * c.depth * numPatches(c);
    enc.copyBufferToBuffer(a.tome, a.tomeLayout.maps * 4, this.readback, L.maps, mapFloats * 4);
    const nQueries = ts ? (this.profile ? 2 * plan.dispatches.length : 2) : 0;
    if (nQueries) {
      enc.resolveQuerySet(this.querySet!, 0, nQueries, this.queryResolve!, 0);
      enc.copyBufferToBuffer(this.queryResolve!, 0, this.readback, L.times, nQueries * 8);
    }
    device.queue.submit([enc.finish()]);
    // Destroying buffers after the submit is allowed: they are freed once that work is done.
    release();
    await this.readback.mapAsync(GPUMapMode.READ);
    const wallMs = performance.now() - t0;
    const bytes = this.readback.getMappedRange();
    const logits = new Float32Array(bytes, L.logits, B * cs).slice();
    const probs = new Float32Array(bytes, L.probs, B * cs).slice();
    const top5Words = new Uint32Array(bytes, L.top5, B * 10).slice();
    const top5Probs = new Float32Array(bytes, L.top5, B * 10).slice();
    const maps = new Int32Array(bytes, L.maps, mapFloats).slice();
    const stamps = nQueries ? new BigUint64Array(bytes, L.times, nQueries).slice() : null;
    this.readback.unmap();

    let ms = wallMs;
    let source: Timing['source'] = 'wall';
    if (perKernelWall) {
      // After the read-back, as the replays overwrite the working buffers.
      this.lastProfile = aggregateProfile(plan.dispatches, await this.timeDispatchesOnHost(plan), c.depth, 'wall');
    } else if (stamps) {
      source = 'gpu-timestamp';
      ms = Number(stamps[nQueries - 1] - stamps[0]) / 1e6;
      if (this.profile) {
        const per = plan.dispatches.map((_, i) => Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
        this.lastProfile = aggregateProfile(plan.dispatches, per, c.depth, 'gpu-timestamp');
      }
    }
    if (!this.profile) this.lastProfile = null;

    const P = numPatches(c);
    const C = c.numClasses;
    const results: ForwardResult[] = [];
    for (let b = 0; b < B; b++) {
      // Only merging blocks wrote their row; a block that does not merge keeps the previous one.
      const tokenOfPatch: Int32Array[] = [];
      for (let l = 0; l < c.depth; l++) {
        const prev = l > 0 ? tokenOfPatch[l - 1] : initialTokenOfPatch(P);
        tokenOfPatch.push(plan.merging[l] ? maps.slice((b * c.depth + l) * P, (b * c.depth + l + 1) * P) : prev.slice());
      }
      results.push({
        logits: logits.slice(b * cs, b * cs + C),
        probs: probs.slice(b * cs, b * cs + C),
        top5: Array.from({ length: 5 }, (_, k) => ({ index: top5Words[b * 10 + 2 * k], prob: top5Probs[b * 10 + 2 * k + 1] })),
        tokens: plan.tokens.slice(),
        tokenOfPatch,
        groups: canonicalGroups(tokenOfPatch[c.depth - 1]),
      });
    }
    return { results, ms, source };
  }

  private encode(pass: GPUComputePassEncoder, d: Dispatch): void {
    pass.setPipeline(d.pipeline);
    pass.setBindGroup(0, d.bindGroup);
    pass.dispatchWorkgroups(...d.groups);
  }

  /**
   * Profile without timestamp queries: each dispatch replayed HOST_REPLAYS times in its own
   * submission, timed on the host, less the round trip of an empty submission (the fastest of a
   * few), per replay. Inside a forward the dispatches share one submission; timing each alone
   * in one submission would charge every small kernel that fixed cost in full. The replays run on
   * whatever the buffers hold (a residual add accumulates, a softmax re-normalises), so this runs
   * after the forward's results are read back.
   */
  private async timeDispatchesOnHost(plan: ForwardPlan): Promise<number[]> {
    let empty = Infinity;
    for (let i = 0; i < 5; i++) empty = Math.min(empty, await this.timeSubmission([], 0));
    const out: number[] = [];
    for (const d of plan.dispatches) out.push(Math.max(0, (await this.timeSubmission([d], HOST_REPLAYS)) - empty) / HOST_REPLAYS);
    return out;
  }

  /** Host time of one submission holding `list` encoded `times` times in one compute pass. */
  private async timeSubmission(list: Dispatch[], times: number): Promise<number> {
    const enc = this.device.createCommandEncoder();
    const pass = enc.beginComputePass();
    for (let i = 0; i < times; i++) for (const d of list) this.encode(pass, d);
    pass.end();
    const t0 = performance.now();
    this.device.queue.submit([enc.finish()]);
    await this.device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }

  dispose(): void {
    for (const p of this.plans.values()) p.uniforms.destroy();
    this.plans.clear();
    this.preprocessor.dispose();
    destroyActivations(this.ctx.act);
    destroyWeights(this.ctx.weights);
    this.readback.destroy();
    this.querySet?.destroy();
    this.queryResolve?.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}

export async function createWebGpuBackend(weights: ViTWeights, opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const c = weights.config;
  checkGpuShapes(c);
  let device = opts.device;
  let info: GPUAdapterInfo;
  const ownsDevice = !device;
  if (!device) {
    const adapter = opts.adapter ?? (await defaultAdapter());
    const wanted: GPUFeatureName[] = ['timestamp-query'];
    if (opts.precision === 'f16') wanted.push('shader-f16');
    const requiredFeatures = wanted.filter((f) => adapter.features.has(f));
    device = await adapter.requestDevice({
      requiredFeatures,
      // Bigger models need bigger single buffers (the hidden activations of a batch).
      requiredLimits: {
        maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
        maxBufferSize: adapter.limits.maxBufferSize,
      },
    });
    info = adapter.info;
  } else {
    info = device.adapterInfo;
  }
  const features = [...device.features].map(String).sort();
  const f16 = opts.precision === 'f16';
  if (f16 && !device.features.has('shader-f16')) throw new Error('precision f16 requested but the adapter has no shader-f16');
  const lost = device.lost.then((i) => `${i.reason}: ${i.message}`);
  device.onuncapturederror = (e) => console.error(`WebGPU error: ${(e as GPUUncapturedErrorEvent).error.message}`);

  const src = await loadShaderSources();
  let variant: MatmulVariant;
  let timings: MatmulTiming[] = [];
  if (opts.matmul) {
    if (!(MATMUL_VARIANTS as readonly string[]).includes(opts.matmul)) throw new Error(`unknown matmul variant "${opts.matmul}" (have ${MATMUL_VARIANTS.join(', ')})`);
    variant = opts.matmul as MatmulVariant;
  } else {
    timings = await measureMatmuls(device, src, adapterKey(info, f16), f16, numPatches(c) + 1, c.mlpHidden, c.embedDim);
    variant = timings[0].variant;
  }
  const precision: Precision = f16 ? 'f16' : 'f32';
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
  const [kernels, preprocessor, gpuWeights, act] = await Promise.all([
    compileKernels(device, src, { headDim: headDim(c), maxTokens: numPatches(c) + 1, matmul: variant, f16 }),
    createPreprocessor(device),
    Promise.resolve(uploadWeights(device, weights, precision)),
    Promise.resolve(createActivations(device, c, maxBatch)),
  ]);
  const ctx: PlanContext = { device, config: c, kernels, matmul: variant, weights: gpuWeights as GpuWeights, act: act as Activations };
  return new Engine(c, device, ownsDevice, summary(info), features, precision, variant, timings, opts.profile ?? false, ctx, lost, preprocessor);
}
