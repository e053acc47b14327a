// Which backend runs a model, decided in one place for the CLI and the page alike: our WebGPU
// engine when an adapter exists and the model fits it (f16 weights where only those fit), else
// the fast CPU path (ONNX Runtime with our ToMe), else the TypeScript reference. What differs
// between Node and the browser comes in as a `BackendPlace`: where the adapter comes from, which
// ONNX Runtime flavour runs, how much GPU memory to count on, where the one-line notes go.
import type { Backend, BackendName } from '../core/backend';
import { choosePrecision, GpuLimitError } from '../gpu/limits';
import type { ViTWeights } from '../model/weights';
import { ortChoicesRefusal, ortRefusal } from '../ort/backend';
import type { DesignChoices } from '../core/tome';
import { engineChoicesRefusal } from '../gpu/choices';
import { createReferenceBackend } from '../reference/backend';

/** One line naming the first design choice of `settings` that the backend `name` does not run,
 * or null (the reference runs every choice). */
export function backendChoicesRefusal(name: BackendName, settings: Array<Partial<DesignChoices>>): string | null {
  if (name === 'webgpu') return engineChoicesRefusal(settings);
  if (name === 'cpu') return ortChoicesRefusal(settings);
  return null;
}

/** What the user asked for: a backend by name, or `auto` (the best one that runs the model). */
export type BackendChoice = BackendName | 'auto';

export interface BackendPlace {
  /** A WebGPU adapter, or why there is none (one sentence, for the user). */
  adapter(): Promise<GPUAdapter | { none: string }>;
  /** The ONNX Runtime flavour of this place, ready to run (onnxruntime-node in the CLI,
   * onnxruntime-web's WASM in the page), and a note on how it runs (e.g. its threads). */
  openOrt(weights: ViTWeights): Promise<{ backend: Backend; note?: string }>;
  /** GPU memory the engine may count on (WebGPU does not tell); undefined leaves it unchecked. */
  memoryBytes?: number;
  /** Largest batch one forward carries. */
  maxBatch: number;
  /** A line for the user on what was chosen and why (the CLI's stderr). */
  log(line: string): void;
}

export interface OpenedBackend {
  backend: Backend;
  /** Why the backend asked for (or, with `auto`, WebGPU) is not the one running. */
  fallbackReason?: string;
  /** How the backend runs, when it is worth saying (f16 weights, WebAssembly threads). */
  note?: string;
}

/** The backend named on the command line cannot run the model: the message is the reason. */
export class BackendUnavailable extends Error {
  override name = 'BackendUnavailable';
  constructor(
    readonly choice: BackendName,
    reason: string,
  ) {
    super(`--backend ${choice}: ${reason}`);
  }
}

const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Opens the backend for `choice`. A backend asked for by name either runs the model (and every
 * design choice of `settings`: the ToMe settings it will run) or throws BackendUnavailable with
 * the reason; `auto` falls back (WebGPU, then the CPU path, then the reference) and says why in
 * `fallbackReason` and in one logged line.
 */
export async function openBackend(
  weights: ViTWeights,
  choice: BackendChoice,
  place: BackendPlace,
  settings: Array<Partial<DesignChoices>> = [],
): Promise<OpenedBackend> {
  if (choice === 'reference') return { backend: createReferenceBackend(weights) };
  if (choice === 'cpu') {
    const refusal = ortRefusal(weights.config) ?? ortChoicesRefusal(settings);
    if (refusal) throw new BackendUnavailable('cpu', `${refusal}; --backend reference runs it`);
    return place.openOrt(weights);
  }
  const engineRefusal = engineChoicesRefusal(settings);
  if (engineRefusal) return fallBack(weights, choice, engineRefusal, place, settings);
  const found = await place.adapter();
  if ('none' in found) return fallBack(weights, choice, found.none, place);
  let fit: ReturnType<typeof choosePrecision>;
  try {
    fit = choosePrecision(weights.config, found, { maxBatch: place.maxBatch, memoryBytes: place.memoryBytes });
  } catch (e) {
    if (!(e instanceof GpuLimitError)) throw e;
    return fallBack(weights, choice, e.message, place);
  }
  if (fit.note) place.log(fit.note);
  // Loaded here: a browser without WebGPU never downloads the engine.
  const { createWebGpuBackend } = await import('../gpu/engine');
  try {
    const backend = await createWebGpuBackend(weights, { adapter: found, maxBatch: fit.maxBatch, precision: fit.precision, memoryBytes: place.memoryBytes });
    return { backend, note: fit.note };
  } catch (e) {
    return fallBack(weights, choice, `The WebGPU engine failed to start: ${firstLine(e)}`, place);
  }
}

/** WebGPU cannot run the model for `reason`: an error when it was asked for by name, else the
 * CPU path, else (a model it does not build graphs for, or a runtime that does not start) the
 * reference. */
async function fallBack(
  weights: ViTWeights,
  choice: BackendChoice,
  reason: string,
  place: BackendPlace,
  settings: Array<Partial<DesignChoices>> = [],
): Promise<OpenedBackend> {
  if (choice === 'webgpu') throw new BackendUnavailable('webgpu', reason);
  const refusal = ortRefusal(weights.config) ?? ortChoicesRefusal(settings);
  if (refusal) {
    place.log(`${reason}; ${refusal}: using the CPU reference`);
    return { backend: createReferenceBackend(weights), fallbackReason: `${reason}. ${refusal}.` };
  }
  try {
    const ort = await place.openOrt(weights);
    place.log(`${reason}; using the CPU path`);
    return { ...ort, fallbackReason: `${reason}.` };
  } catch (e) {
    const why = `${reason}. ONNX Runtime did not start either (${firstLine(e)}).`;
    place.log(`${why} Using the CPU reference`);
    return { backend: createReferenceBackend(weights), fallbackReason: why };
  }
}
