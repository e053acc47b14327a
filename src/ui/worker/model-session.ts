// In the worker: the loaded model and its backend. Loading (from any WeightSource) reports byte
// progress and lets the newest choice win (an older download is aborted); a load that fails or
// is cancelled leaves the previous model loaded and usable; a lost GPU device gets a new backend
// (WebGPU again when it comes back, else the CPU fallback).
import type { Backend } from '../../core/backend';
import type { ModelConfig } from '../../model/config';
import type { ViTWeights } from '../../model/weights';
import type { BackendInfo, FromWorker } from '../protocol';
import { openWorkerBackend } from './open-backend';
import type { WeightSource } from './weight-sources';

export interface LoadedModel {
  weights: ViTWeights;
  /** sha256 of the model's safetensors: what the page keeps its folder measurements under. */
  sha256: string;
  backend: Backend;
  info: BackendInfo;
  /** True once the backend's device is gone (a failing forward is then retried on the next). */
  lost: boolean;
}

export interface SessionEvents {
  /** The previous model is gone (its results are of no further use). */
  unloaded(): void;
  /** The model is loaded, its backend open and the page told. */
  ready(config: ModelConfig): Promise<void>;
  /** The backend was rebuilt after a device loss: waiting work can run again. */
  recovered(): void;
}

export class ModelSession {
  private current: LoadedModel | null = null;
  private loadingId: string | null = null;
  private loadAbort: AbortController | null = null;
  /** Backends we disposed ourselves: their device's end is not a loss. */
  private readonly released = new WeakSet<Backend>();

  constructor(
    private readonly post: (m: FromWorker) => void,
    private readonly events: SessionEvents,
  ) {}

  get loaded(): LoadedModel | null {
    return this.current;
  }

  async load(modelId: string, source: WeightSource): Promise<void> {
    this.loadAbort?.abort();
    const abort = new AbortController();
    this.loadAbort = abort;
    this.loadingId = modelId;
    try {
      const { weights, note, sha256 } = await source({
        signal: abort.signal,
        onProgress: (p) => this.post({ type: 'progress', modelId, loaded: p.loaded, total: p.total, bytesPerSec: p.bytesPerSec, etaSec: p.etaSec }),
      });
      if (this.loadingId !== modelId) return; // another model was chosen meanwhile
      if (this.current) this.release(this.current.backend);
      this.current = null;
      this.events.unloaded();
      const { backend, info } = await openWorkerBackend(weights);
      if (this.loadingId !== modelId) {
        this.release(backend);
        return;
      }
      this.current = this.watch({ weights, sha256, backend, info, lost: false });
      this.post({ type: 'ready', modelId, config: weights.config, sha256, backend: info, note });
      await this.events.ready(weights.config);
    } catch (e) {
      if (this.loadingId === modelId) this.post({ type: 'load-error', modelId, message: (e as Error).message });
    } finally {
      if (this.loadAbort === abort) this.loadAbort = null;
    }
  }

  /** Stops the download of `modelId` if it is the one loading (its load-error says so). */
  cancel(modelId: string): void {
    if (this.loadingId === modelId) this.loadAbort?.abort();
  }

  /** Test hook: ends the backend as a lost GPU device would. */
  loseDevice(): void {
    this.current?.backend.loseDevice();
  }

  private release(b: Backend): void {
    this.released.add(b);
    b.dispose();
  }

  /** Marks `l` lost when its backend's device goes (unless we disposed it), and recovers. */
  private watch(l: LoadedModel): LoadedModel {
    const { backend } = l;
    void backend.lost.then((reason) => {
      if (this.released.has(backend) || this.current !== l || l.backend !== backend) return;
      l.lost = true;
      void this.deviceLost(l, reason);
    });
    return l;
  }

  /** Device lost: a new backend for the same weights (WebGPU if it comes back, else the CPU
   * fallback) and the last request redone. */
  private async deviceLost(l: LoadedModel, message: string): Promise<void> {
    const { backend, info } = await openWorkerBackend(l.weights);
    if (this.current !== l) {
      this.release(backend);
      return;
    }
    Object.assign(l, { backend, info, lost: false });
    this.watch(l);
    this.post({ type: 'device-lost', message, recovered: backend.name === 'webgpu', backend: info });
    this.events.recovered();
  }
}
