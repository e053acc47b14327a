// Node only: a WebGPU adapter from Dawn (the `webgpu` npm package) on one of the software
// routes this machine has (see ARCHITECTURE.md, "WebGPU without a GPU"). Imported dynamically so that the
// browser build never pulls in the native module.

export type NodeRoute = 'auto' | 'vulkan' | 'opengles' | 'swiftshader';
export type ConcreteRoute = Exclude<NodeRoute, 'auto'>;

/**
 * Fastest first, as measured here for a full ViT-Ti forward with our engine (see
 * src/gpu/README.md): llvmpipe's OpenGL ES route, then lavapipe Vulkan, then SwiftShader.
 */
const AUTO_ORDER: ConcreteRoute[] = ['opengles', 'vulkan', 'swiftshader'];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeAdapter {
  adapter: GPUAdapter;
  route: ConcreteRoute;
}

/**
 * Which adapter of a route, from the environment (a machine with a real GPU beside software
 * ones): TOME_ADAPTER_NAME keeps only adapters whose name contains it (case-sensitive, Dawn's
 * own `adapter=` filter, e.g. `NVIDIA`); TOME_ADAPTER_HARDWARE=1 refuses software adapters
 * (llvmpipe/lavapipe, SwiftShader, anything Dawn marks as a fallback adapter).
 */
export interface AdapterFilter {
  name?: string;
  hardwareOnly: boolean;
}

export function adapterFilterFromEnv(env: Record<string, string | undefined> = process.env): AdapterFilter {
  const hw = env.TOME_ADAPTER_HARDWARE;
  if (hw !== undefined && hw !== '' && hw !== '0' && hw !== '1') throw new Error(`TOME_ADAPTER_HARDWARE="${hw}" is not 0 or 1`);
  return { name: env.TOME_ADAPTER_NAME || undefined, hardwareOnly: hw === '1' };
}

const SOFTWARE = /llvmpipe|lavapipe|swiftshader|software/i;

/** Why `adapter` does not pass `filter`, or null when it does. */
export function adapterRefusal(
  info: { vendor: string; architecture: string; description: string; isFallbackAdapter?: boolean },
  filter: AdapterFilter,
): string | null {
  const desc = `${info.vendor} ${info.architecture} ${info.description}`;
  if (filter.hardwareOnly && (info.isFallbackAdapter || SOFTWARE.test(desc))) return `only a software adapter (${desc.trim()}) and TOME_ADAPTER_HARDWARE=1`;
  return null;
}

// One Dawn instance per route (and adapter name) for the life of the process: Dawn keeps the
// process alive while an instance is referenced, so callers that want to exit must call
// process.exit (the CLI does); creating instances per call would also leak native threads.
const instances = new Map<string, GPU>();

async function instanceFor(route: ConcreteRoute, filter: AdapterFilter): Promise<GPU> {
  const key = `${route}|${filter.name ?? ''}`;
  const existing = instances.get(key);
  if (existing) return existing;
  const { create, globals } = await import('webgpu');
  // GPUBufferUsage & co. as globals, exactly as the browser has them.
  Object.assign(globalThis, globals);
  let options: string[];
  if (route === 'opengles') {
    // EGL must pick the surfaceless platform before Dawn initialises GL.
    process.env.EGL_PLATFORM ??= 'surfaceless';
    options = ['backend=opengles'];
  } else {
    if (route === 'swiftshader') process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
    options = ['backend=vulkan'];
  }
  // Dawn rounds timestamp-query results to 65.536 us by default (a browser's fingerprinting
  // defence); on a real GPU most kernels are shorter than that, so the profile would read zeros.
  options.push('disable-dawn-features=timestamp_quantization');
  // With a name, Dawn's requestAdapter throws listing every adapter it found when none matches.
  if (filter.name) options.push(`adapter=${filter.name}`);
  const gpu = create(options);
  instances.set(key, gpu);
  return gpu;
}

async function tryRoute(route: ConcreteRoute, filter: AdapterFilter): Promise<GPUAdapter | null> {
  const gpu = await instanceFor(route, filter);
  // The GL route only exists as a compatibility-mode adapter; elsewhere a discrete GPU comes
  // before an integrated or software one.
  const opts: GPURequestAdapterOptions = route === 'opengles' ? { featureLevel: 'compatibility' } : { powerPreference: 'high-performance' };
  const adapter = await gpu.requestAdapter(opts);
  if (!adapter) return null;
  // Dawn's Vulkan instance may enumerate both lavapipe and SwiftShader: keep the route honest.
  const desc = `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.toLowerCase();
  if (route === 'vulkan' && desc.includes('swiftshader')) return null;
  const refusal = adapterRefusal(adapter.info, filter);
  if (refusal) throw new Error(refusal);
  return adapter;
}

function routeFromEnv(): NodeRoute | undefined {
  const v = process.env.TOME_ADAPTER;
  if (!v) return undefined;
  if (v === 'auto' || v === 'vulkan' || v === 'opengles' || v === 'swiftshader') return v;
  throw new Error(`TOME_ADAPTER="${v}" is not one of auto, vulkan, opengles, swiftshader`);
}

/**
 * Returns an adapter on the requested route; 'auto' takes the fastest route that works
 * (env TOME_ADAPTER overrides the argument; TOME_ADAPTER_NAME and TOME_ADAPTER_HARDWARE pick
 * among a route's adapters, see AdapterFilter). Throws when no adapter can be had.
 */
export async function requestNodeAdapter(route: NodeRoute = 'auto'): Promise<NodeAdapter> {
  const chosen = routeFromEnv() ?? route;
  const filter = adapterFilterFromEnv();
  const candidates = chosen === 'auto' ? AUTO_ORDER : [chosen];
  const failures: string[] = [];
  for (const r of candidates) {
    try {
      const adapter = await tryRoute(r, filter);
      if (adapter) return { adapter, route: r };
      failures.push(`${r}: no adapter`);
    } catch (e) {
      failures.push(`${r}: ${(e as Error).message.replace(/\s*\n\s*/g, ' ')}`);
    }
  }
  throw new Error(`no WebGPU adapter (${failures.join('; ')})`);
}
