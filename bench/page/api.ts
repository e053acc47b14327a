// What the bench page (main.ts, in Chromium) offers its driver (bench/peers/page-driver.ts, in
// Node): types only, so each side compiles in its own world.

export type PageEngine = 'tome-webgpu-page' | 'tome-cpu-page' | 'ort-web-wasm' | 'ort-web-webgpu';

export interface PageSetup {
  model: string;
  /** Golden inputs, URLs the driver serves. */
  inputs: string[];
  /** ONNX graph URL per peer setting, by its golden case name (r0, r13, r16dec; the driver
   * serves them): the WASM provider opens every one. */
  graphs: Record<string, string>;
  /** The settings the WebGPU provider opens (seconds per forward on a software adapter). */
  gpuGraphs: string[];
  maxBatch: number;
}

export interface PageInfo {
  crossOriginIsolated: boolean;
  wasm: string;
  adapter: string;
  providers: Record<string, string>;
  errors: Record<string, string>;
}

export interface BenchPageApi {
  setup(s: PageSetup): Promise<PageInfo>;
  /** Logits of every golden input at a setting, one forward each. */
  logits(engine: PageEngine, setting: { r: number; schedule: 'constant' | 'decreasing' }): Promise<number[][]>;
  /** One forward of `batch` golden inputs (repeated) at r with this schedule (a peer: one it has
   * a graph for), timed in the page: ms. */
  time(engine: PageEngine, r: number, batch: number, schedule?: 'constant' | 'decreasing'): Promise<number>;
}
