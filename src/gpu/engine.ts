// The WebGPU ViT+ToMe engine: whole forward passes in our WGSL kernels, one command
// submission per forward (per batch chunk), no read-back until the end. Runs unchanged in the
// browser (navigator.gpu) and in Node (pass an adapter from node-adapter.ts).
import { numPatches, headDim, isHeadless, prefixTokens, tokenLayout, type ModelConfig } from '../model/config';
import { isFrame, type Backend, type ForwardResult, type ModelInput, type RunOutput, type Timing } from '../core/backend';
import type { RawImage } from '../core/preprocess';
import type { ForwardProfile } from '../core/profile';
import { canonicalGroups, initialTokenOfPatch, unofficialChoices, type ToMeOptions } from '../core/tome';
import type { ViTWeights } from '../model/weights';
import { createActivations, destroyActivations } from './activations';
import { buildPlan, encodeDispatch, type ForwardPlan, type PlanContext } from './forward-plan';
import { destroyWeights, uploadWeights, checkGpuShapes, type Precision } from './gpu-weights';
import { compileKernels, MATMUL_VARIANTS, type MatmulVariant } from './kernels';
import { adapterKey, measureMatmuls, type MatmulTiming } from './matmul-choice';
import { createPreprocessor, type GpuPreprocessor } from './preprocess';
import { browserAdapter, requestEngineDevice } from './device';
import { assertFits } from './limits';
import { createFrameTexture, type FrameTexture } from './frame-texture';
import { aggregateProfile, measureTomeOverhead, timeDispatchesOnHost } from './profile';
import { loadShaderSources } from './shader-source';
import { engineChoicesRefusal } from './choices';

export interface WebGpuBackendOptions {
  device?: GPUDevice;
  adapter?: GPUAdapter;
  precision?: 'f32' | 'f16';
  /** Force a matmul variant (see MATMUL_VARIANTS); default: the fastest measured here. */
  matmul?: string;
  /** Largest batch one submission carries; bigger inputs are split. Default 8. */
  maxBatch?: number;
  /** GPU memory available, as the caller estimates it: a model needing more is refused. */
  memoryBytes?: number;
}

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/**
 * The engine's Backend. Its run() takes every kind of ModelInput, mixed in one batch: tensors are
 * written to the input buffer; decoded pixels go through timm's eval preprocessing on the GPU
 * (bit-exact with src/reference/preprocess.ts) in the forward's own submission, writing straight
 * into the input buffer; a browser frame is first copied into a texture on the GPU
 * (copyExternalImageToTexture, no CPU read-back) and preprocessed from there.
 */
export interface WebGpuBackend extends Backend {
  readonly name: 'webgpu';
  /**
   * Like run(), from rgba8unorm textures on this engine's `device` (usage COPY_SRC; see
   * frame-texture.ts): the crop's source window is copied out on the GPU and the same
   * preprocessing reads it, giving the same result as run() on the same pixels. A texture may be
   * rewritten once the returned promise settles.
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
  /**
   * Profiles one forward of `inputs` (at most maxBatch of them, as one submission): a warm-up,
   * then a forward with every dispatch timed (timestamp queries, or host-timed replays without
   * them), per kernel, block and family. With `tomeRounds` > 0 also ToMe's own cost at this batch
   * (measureTomeOverhead in profile.ts, alternated that many rounds). Results are not returned;
   * the next forward starts afresh.
   */
  profile(inputs: ModelInput[], opts: ToMeOptions, p?: { tomeRounds?: number }): Promise<ForwardProfile>;
}

/** Everything an engine is made of, assembled by createWebGpuBackend. */
interface EngineParts {
  plan: PlanContext;
  ownsDevice: boolean;
  adapterInfo: AdapterSummary;
  features: string[];
  precision: Precision;
  matmulTimings: MatmulTiming[];
  lost: Promise<string>;
  preprocessor: GpuPreprocessor;
}

const MAX_PLANS = 32;

function summary(info: GPUAdapterInfo): AdapterSummary {
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

/** Puts one chunk of inputs into the engine's input buffer, by queue writes or by commands
 * recorded into the forward's encoder (so they share its one submission); returns what to free
 * once that submission is made. */
type Fill = (enc: GPUCommandEncoder) => () => void;

/** One slot of a chunk, ready to fill: a tensor, pixels, or a texture (a frame copied in). */
type Staged = { tensor: Float32Array } | { pixels: RawImage } | { texture: GPUTexture };

class Engine implements WebGpuBackend {
  readonly name = 'webgpu' as const;
  readonly description: string;
  readonly config: ModelConfig;
  readonly adapterInfo: AdapterSummary;
  readonly features: string[];
  readonly precision: Precision;
  readonly matmulVariant: MatmulVariant;
  readonly matmulTimings: MatmulTiming[];
  readonly lost: Promise<string>;
  readonly device: GPUDevice;
  private readonly ctx: PlanContext;
  private readonly ownsDevice: boolean;
  private readonly preprocessor: GpuPreprocessor;
  private plans = new Map<string, ForwardPlan>();
  private readback: GPUBuffer;
  private querySet: GPUQuerySet | null = null;
  private queryResolve: GPUBuffer | null = null;
  private maxDispatches: number;
  private imageStage: Float32Array<ArrayBuffer>;
  /** One texture per batch slot for browser frames, made on the first frame in that slot. */
  private frameTextures: FrameTexture[] = [];
  private ones: Float32Array<ArrayBuffer>;
  private chain: Promise<unknown> = Promise.resolve();
  private lostReason: string | null = null;
  private layout: { logits: number; probs: number; top5: number; features: number; tokens: number; maps: number; times: number };

  constructor(parts: EngineParts) {
    const ctx = parts.plan;
    this.ctx = ctx;
    this.config = ctx.config;
    this.device = ctx.device;
    this.matmulVariant = ctx.matmul;
    this.ownsDevice = parts.ownsDevice;
    this.adapterInfo = parts.adapterInfo;
    this.features = parts.features;
    this.precision = parts.precision;
    this.matmulTimings = parts.matmulTimings;
    this.lost = parts.lost;
    this.preprocessor = parts.preprocessor;
    const { device, config: c, act: a } = ctx;
    const info = this.adapterInfo;
    this.description = `WebGPU ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')} (${this.precision}, matmul ${this.matmulVariant})`;
    void this.lost.then((r) => (this.lostReason = r));
    // Upper bound on dispatches: every block merging (norm1, qkv, proj, 4 ToMe, norm2, fc1, fc2,
    // and 3 per attention chunk), plus the embedding, norm_pre and the tail (pool, norm, head,
    // softmax).
    const chunks = Math.ceil((a.maxBatch * c.numHeads) / a.scoresPairs);
    this.maxDispatches = 6 + c.depth * (10 + 3 * chunks);
    const P = numPatches(c);
    // A classifier reads back logits, probabilities and top-5; a model without a head its features.
    const headless = isHeadless(c);
    const logits = 0;
    const probs = logits + (headless ? 0 : a.maxBatch * a.classStride * 4);
    const top5 = probs + (headless ? 0 : a.maxBatch * a.classStride * 4);
    const features = top5 + (headless ? 0 : a.maxBatch * 40);
    const tokens = features + (headless ? a.maxBatch * c.embedDim * 4 : 0);
    const maps = tokens + (headless ? a.maxBatch * (P + prefixTokens(c)) * c.embedDim * 4 : 0);
    // Timestamps are read as 64-bit words: 8-byte aligned whatever the map rows add up to.
    const times = Math.ceil((maps + a.maxBatch * c.depth * P * 4) / 8) * 8;
    this.layout = { logits, probs, top5, features, tokens, maps, times };
    const hasTimestamps = this.features.includes('timestamp-query');
    if (hasTimestamps) {
      const count = 2 * this.maxDispatches;
      this.querySet = device.createQuerySet({ type: 'timestamp', count });
      this.queryResolve = device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    }
    const readbackSize = times + (hasTimestamps ? 2 * this.maxDispatches * 8 : 0);
    this.readback = device.createBuffer({ label: 'readback', size: readbackSize, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.imageStage = new Float32Array(a.maxBatch * 3 * c.imgSize * c.imgSize);
    this.ones = new Float32Array(a.maxBatch * (P + prefixTokens(c))).fill(1);
  }

  run(inputs: ModelInput[], opts: ToMeOptions): Promise<RunOutput> {
    return this.enqueue(() => this.runChunks(inputs, opts));
  }

  runTextures(textures: GPUTexture[], opts: ToMeOptions): Promise<RunOutput> {
    return this.enqueue(() => this.runChunks(textures, opts));
  }

  profile(inputs: ModelInput[], opts: ToMeOptions, { tomeRounds = 0 } = {}): Promise<ForwardProfile> {
    return this.enqueue(async () => {
      this.checkAlive();
      const B = inputs.length;
      if (B < 1 || B > this.ctx.act.maxBatch) throw new Error(`profile: batch ${B} outside 1..${this.ctx.act.maxBatch}`);
      const fill = this.stage(inputs);
      // A warm-up first: with timestamps on the per-dispatch path itself (one compute pass per
      // dispatch); without them a plain forward (the host-timed replays need no warming).
      await this.forward(B, opts, fill, this.querySet !== null);
      const { profile } = await this.forward(B, opts, fill, true);
      const tomeCost = tomeRounds > 0 ? await measureTomeOverhead(this.device, this.plan(B, opts).dispatches, B, tomeRounds) : null;
      return { ...profile!, tomeCost };
    });
  }

  loseDevice(): void {
    this.device.destroy();
  }

  /** One chunk's inputs made ready for the forward's fill: tensors checked, frames copied into
   * their slot's texture on the GPU (queued before the forward's submission). */
  private stage(chunk: Array<ModelInput | GPUTexture>): Fill {
    const S = this.config.imgSize;
    const imgLen = 3 * S * S;
    const staged: Staged[] = [];
    for (const [i, x] of chunk.entries()) {
      if (x instanceof Float32Array) {
        if (x.length !== imgLen) throw new Error(`input ${i}: ${x.length} floats, expected 3x${S}x${S} = ${imgLen}`);
        staged.push({ tensor: x });
      } else if ('createView' in x) staged.push({ texture: x });
      else if (isFrame(x)) {
        this.frameTextures[i] ??= createFrameTexture(this.device);
        staged.push({ texture: this.frameTextures[i].fromExternal(x.external, x.width, x.height) });
      } else staged.push({ pixels: x });
    }
    return (enc) => this.fill(enc, staged);
  }

  /** Records each slot's preprocessing into the forward's encoder (tensors are queue writes);
   * if one fails, the holds the others took are released before the error goes on. */
  private fill(enc: GPUCommandEncoder, staged: Staged[]): () => void {
    const imgLen = 3 * this.config.imgSize * this.config.imgSize;
    const { image } = this.ctx.act;
    const held: Array<{ release(): void }> = [];
    try {
      staged.forEach((s, i) => {
        const offset = i * imgLen;
        if ('tensor' in s) {
          this.imageStage.set(s.tensor, offset);
          this.device.queue.writeBuffer(image, offset * 4, this.imageStage, offset, imgLen);
        } else if ('pixels' in s) held.push(this.preprocessor.encode(enc, s.pixels, this.config, image, offset));
        else held.push(this.preprocessor.encodeTexture(enc, s.texture, this.config, image, offset));
      });
    } catch (e) {
      held.forEach((d) => d.release());
      throw e;
    }
    return () => held.forEach((d) => d.release());
  }

  private checkAlive(): void {
    if (this.lostReason) throw new Error(`WebGPU device lost (${this.lostReason}); create a new backend`);
  }

  /** Forwards share the working buffers and the read-back buffer: one at a time. */
  private enqueue<R>(job: () => Promise<R>): Promise<R> {
    const next = this.chain.then(job);
    this.chain = next.catch(() => undefined);
    return next;
  }

  /** Splits the inputs into chunks of maxBatch, one submission each. */
  private async runChunks(inputs: Array<ModelInput | GPUTexture>, opts: ToMeOptions): Promise<RunOutput> {
    this.checkAlive();
    const results: ForwardResult[] = [];
    let ms = 0;
    let source: Timing['source'] = 'gpu-timestamp';
    for (let i = 0; i < inputs.length; i += this.ctx.act.maxBatch) {
      const chunk = inputs.slice(i, i + this.ctx.act.maxBatch);
      const out = await this.forward(chunk.length, opts, this.stage(chunk), false);
      results.push(...out.results);
      ms += out.ms;
      if (out.source === 'wall') source = 'wall';
    }
    return { results, timing: { ms, source } };
  }

  private plan(batch: number, opts: ToMeOptions): ForwardPlan {
    // Every forward (run, textures, profile) plans first: a choice the engine lacks stops here.
    const refusal = engineChoicesRefusal([opts]);
    if (refusal) throw new Error(refusal);
    // The design choices live in the plan's ToMe uniforms: part of the key.
    const key = `${batch}|${opts.r}|${opts.schedule}|${opts.propAttn}|${opts.mode}|${unofficialChoices(opts).join(' ')}`;
    let plan = this.plans.get(key);
    if (!plan) {
      if (this.plans.size >= MAX_PLANS) {
        const [oldKey, old] = this.plans.entries().next().value as [string, ForwardPlan];
        old.uniforms.destroy();
        old.splitTable.destroy();
        this.plans.delete(oldKey);
      }
      plan = buildPlan(this.ctx, batch, opts);
      this.plans.set(key, plan);
    }
    return plan;
  }

  /** One submission: fill the input, every dispatch, copies into the read-back buffer; with
   * `profiled`, every dispatch timed as well (see profile()). */
  private async forward(
    B: number,
    opts: ToMeOptions,
    fill: Fill,
    profiled: boolean,
  ): Promise<{ results: ForwardResult[]; ms: number; source: Timing['source']; profile?: Omit<ForwardProfile, 'tomeCost'> }> {
    const { device, ctx } = this;
    const c = this.config;
    const a = ctx.act;
    const plan = this.plan(B, opts);
    device.queue.writeBuffer(a.tome, a.tomeLayout.sizes[0] * 4, this.ones, 0, B * (numPatches(c) + prefixTokens(c)));

    const ts = this.querySet !== null;
    const t0 = performance.now();
    const enc = device.createCommandEncoder({ label: 'forward' });
    const release = fill(enc);
    if (profiled && ts) {
      plan.dispatches.forEach((d, i) => {
        const pass = enc.beginComputePass({
          label: d.label,
          timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 },
        });
        encodeDispatch(pass, d);
        pass.end();
      });
    } else {
      const pass = enc.beginComputePass(ts ? { timestampWrites: { querySet: this.querySet!, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
      for (const d of plan.dispatches) encodeDispatch(pass, d);
      pass.end();
    }
    const L = this.layout;
    const cs = a.classStride;
    const headless = isHeadless(c);
    const D = c.embedDim;
    const Tf = plan.tokens[c.depth];
    if (headless) {
      enc.copyBufferToBuffer(a.cls, 0, this.readback, L.features, B * D * 4);
      enc.copyBufferToBuffer(plan.finalTokens!, 0, this.readback, L.tokens, B * Tf * D * 4);
    } else {
      enc.copyBufferToBuffer(a.logits, 0, this.readback, L.logits, B * cs * 4);
      enc.copyBufferToBuffer(a.probs, 0, this.readback, L.probs, B * cs * 4);
      enc.copyBufferToBuffer(a.top5, 0, this.readback, L.top5, B * 40);
    }
    const mapFloats = B * c.depth * numPatches(c);
    enc.copyBufferToBuffer(a.tome, a.tomeLayout.maps * 4, this.readback, L.maps, mapFloats * 4);
    const nQueries = ts ? (profiled ? 2 * plan.dispatches.length : 2) : 0;
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
    const features = headless ? new Float32Array(bytes, L.features, B * D).slice() : null;
    const tokenFeatures = headless ? new Float32Array(bytes, L.tokens, B * Tf * D).slice() : null;
    const maps = new Int32Array(bytes, L.maps, mapFloats).slice();
    const stamps = nQueries ? new BigUint64Array(bytes, L.times, nQueries).slice() : null;
    this.readback.unmap();

    let ms = wallMs;
    let source: Timing['source'] = 'wall';
    let profile: Omit<ForwardProfile, 'tomeCost'> | undefined;
    if (stamps) {
      source = 'gpu-timestamp';
      ms = Number(stamps[nQueries - 1] - stamps[0]) / 1e6;
      if (profiled) {
        const per = plan.dispatches.map((_, i) => Number(stamps[2 * i + 1] - stamps[2 * i]) / 1e6);
        profile = aggregateProfile(plan.dispatches, per, c.depth, 'gpu-timestamp');
      }
    } else if (profiled) {
      // After the read-back, as the replays overwrite the working buffers.
      profile = aggregateProfile(plan.dispatches, await timeDispatchesOnHost(device, plan.dispatches), c.depth, 'wall');
    }

    const P = numPatches(c);
    const C = c.numClasses;
    const results: ForwardResult[] = [];
    for (let b = 0; b < B; b++) {
      // Only merging blocks wrote their row; a block that does not merge keeps the previous one.
      const tokenOfPatch: Int32Array[] = [];
      for (let l = 0; l < c.depth; l++) {
        const prev = l > 0 ? tokenOfPatch[l - 1] : initialTokenOfPatch(P, tokenLayout(c));
        tokenOfPatch.push(plan.merging[l] ? maps.slice((b * c.depth + l) * P, (b * c.depth + l + 1) * P) : prev.slice());
      }
      const common = { tokens: plan.tokens.slice(), tokenOfPatch, groups: canonicalGroups(tokenOfPatch[c.depth - 1]) };
      if (features) {
        results.push({
          logits: new Float32Array(0),
          probs: new Float32Array(0),
          top5: [],
          features: features.slice(b * D, (b + 1) * D),
          tokenFeatures: tokenFeatures!.slice(b * Tf * D, (b + 1) * Tf * D),
          ...common,
        });
        continue;
      }
      results.push({
        logits: logits.slice(b * cs, b * cs + C),
        probs: probs.slice(b * cs, b * cs + C),
        top5: Array.from({ length: 5 }, (_, k) => ({ index: top5Words[b * 10 + 2 * k], prob: top5Probs[b * 10 + 2 * k + 1] })),
        ...common,
      });
    }
    return { results, ms, source, profile };
  }

  dispose(): void {
    for (const p of this.plans.values()) {
      p.uniforms.destroy();
      p.splitTable.destroy();
    }
    this.plans.clear();
    this.preprocessor.dispose();
    this.frameTextures.forEach((t) => t.dispose());
    destroyActivations(this.ctx.act);
    destroyWeights(this.ctx.weights);
    this.readback.destroy();
    this.querySet?.destroy();
    this.queryResolve?.destroy();
    if (this.ownsDevice) this.device.destroy();
  }
}

/**
 * Builds the engine for `weights`. Before anything is allocated (or, without `device`, before the
 * device is asked for) the model is checked against the adapter's limits (limits.ts): a model
 * that does not fit is refused with a GpuLimitError naming the limit, and the device stays as it
 * was.
 */
export async function createWebGpuBackend(weights: ViTWeights, opts: WebGpuBackendOptions = {}): Promise<WebGpuBackend> {
  const c = weights.config;
  checkGpuShapes(c);
  const f16 = opts.precision === 'f16';
  const precision: Precision = f16 ? 'f16' : 'f32';
  const maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 8));
  const ownsDevice = !opts.device;
  const adapter = opts.device ? null : (opts.adapter ?? (await browserAdapter()));
  const offered = opts.device ?? adapter!;
  if (f16 && !offered.features.has('shader-f16')) throw new Error('precision f16 requested but the adapter has no shader-f16');
  assertFits(c, offered.limits, { precision, maxBatch, memoryBytes: opts.memoryBytes });
  const device = opts.device ?? (await requestEngineDevice(adapter!, { f16 }));
  const info = adapter ? adapter.info : device.adapterInfo;
  const features = [...device.features].map(String).sort();
  const lost = device.lost.then((i) => `${i.reason}: ${i.message}`);
  device.onuncapturederror = (e) => console.error(`WebGPU error: ${e.error.message}`);

  const src = await loadShaderSources();
  let variant: MatmulVariant;
  let timings: MatmulTiming[] = [];
  if (opts.matmul) {
    if (!(MATMUL_VARIANTS as readonly string[]).includes(opts.matmul))
      throw new Error(`unknown matmul variant "${opts.matmul}" (have ${MATMUL_VARIANTS.join(', ')})`);
    variant = opts.matmul as MatmulVariant;
  } else {
    timings = await measureMatmuls(device, src, adapterKey(info, f16), f16, numPatches(c) + prefixTokens(c), c.mlpHidden, c.embedDim);
    variant = timings[0].variant;
  }
  const [kernels, preprocessor] = await Promise.all([
    compileKernels(device, src, { headDim: headDim(c), maxTokens: numPatches(c) + prefixTokens(c), matmul: variant, f16 }),
    createPreprocessor(device),
  ]);
  const plan: PlanContext = {
    device,
    config: c,
    kernels,
    matmul: variant,
    weights: uploadWeights(device, weights, precision),
    act: createActivations(device, c, maxBatch),
  };
  return new Engine({ plan, ownsDevice, adapterInfo: summary(info), features, precision, matmulTimings: timings, lost, preprocessor });
}
