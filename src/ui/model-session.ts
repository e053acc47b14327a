// In the worker: the loaded model and its backend. Loading (from any WeightSource) reports byte
// progress and lets the newest choice win (an older download is aborted); a load that fails or
// is cancelled leaves the previous model loaded and usable; a lost GPU device gets a new one (or
// the CPU reference if none comes).
import type { ModelConfig } from '../model/config';
import type { ViTWeights } from '../model/weights';
import { openCpuFallback, openPageBackend, type PageBackend } from './page-backend';
import type { FromWorker } from './protocol';
import type { WeightSource } from './weight-sources';

export interface LoadedModel {
  weights: ViTWeights;
  opened: PageBackend;
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
      const { weights, note } = await source({
        signal: abort.signal,
        onProgress: (p) => this.post({ type: 'progress', modelId, loaded: p.loaded, total: p.total, bytesPerSec: p.bytesPerSec, etaSec: p.etaSec }),
      });
      if (this.loadingId !== modelId) return; // another model was chosen meanwhile
      this.current?.opened.backend.dispose();
      this.current = null;
      this.events.unloaded();
      const opened = await openPageBackend(weights, (message) => void this.deviceLost(message));
      if (this.loadingId !== modelId) {
        opened.backend.dispose();
        return;
      }
      this.current = { weights, opened };
      this.post({ type: 'ready', modelId, config: weights.config, backend: opened.info, note });
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

  /** Test hook: destroys the GPU device (WebGPU only). */
  loseDevice(): void {
    this.current?.opened.loseDevice?.();
  }

  /** Device lost: rebuild the backend on a new device and redo the last request. */
  private async deviceLost(message: string): Promise<void> {
    const l = this.current;
    if (!l) return;
    try {
      l.opened = await openPageBackend(l.weights, (m) => void this.deviceLost(m));
      this.post({ type: 'device-lost', message, recovered: true, backend: l.opened.info });
    } catch (e) {
      l.opened = await openCpuFallback(l.weights, `GPU device lost and not recreated: ${(e as Error).message}.`);
      this.post({ type: 'device-lost', message, recovered: false, backend: l.opened.info });
    }
    this.events.recovered();
  }
}
