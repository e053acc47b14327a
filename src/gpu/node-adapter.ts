// Node only: a WebGPU adapter from Dawn (the `webgpu` npm package) on one of the software
// routes this machine has (see ARCHITECTURE.md, "WebGPU without a GPU"). Imported dynamically so that the
// browser build never pulls in the native module.

export type NodeRoute = 'auto' | 'vulkan' | 'opengles' | 'swiftshader';
export type ConcreteRoute = Exclude<NodeRoute, 'auto'>;

/**
 * Fastest first, as measured here for a full ViT-Ti forward with our engine (see
 * src/gpu/README.md): llvmpipe's OpenGL ES route, then lavapipe Vulkan, then SwiftShader.
 */
export const AUTO_ORDER: ConcreteRoute[] = ['opengles', 'vulkan', 'swiftshader'];

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

export interface NodeAdapter {
  adapter: GPUAdapter;
  route: ConcreteRoute;
}

// One Dawn instance per route for the life of the process: Dawn keeps the process alive while
// an instance is referenced, so callers that want to exit must call process.exit (the CLI
// does); creating instances per call would also leak native threads.
const instances = new Map<ConcreteRoute, GPU>();

async function instanceFor(route: ConcreteRoute): Promise<GPU> {
  const existing = instances.get(route);
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
  const gpu = create(options);
  instances.set(route, gpu);
  return gpu;
}

async function tryRoute(route: ConcreteRoute): Promise<GPUAdapter | null> {
  const gpu = await instanceFor(route);
  // The GL route only exists as a compatibility-mode adapter.
  const opts: GPURequestAdapterOptions =
    route === 'opengles' ? ({ featureLevel: 'compatibility' } as GPURequestAdapterOptions) : {};
  const adapter = await gpu.requestAdapter(opts);
  if (!adapter) return null;
  // Dawn's Vulkan instance may enumerate both lavapipe and SwiftShader: keep the route honest.
  const desc = `${adapter.info.vendor} ${adapter.info.architecture} ${adapter.info.description}`.toLowerCase();
  if (route === 'vulkan' && desc.includes('swiftshader')) return null;
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
 * (env TOME_ADAPTER overrides the argument). Throws when no adapter can be had.
 */
export async function requestNodeAdapter(route: NodeRoute = 'auto'): Promise<NodeAdapter> {
  const chosen = routeFromEnv() ?? route;
  const candidates = chosen === 'auto' ? AUTO_ORDER : [chosen];
  const failures: string[] = [];
  for (const r of candidates) {
    try {
      const adapter = await tryRoute(r);
      if (adapter) return { adapter, route: r };
      failures.push(`${r}: no adapter`);
    } catch (e) {
      failures.push(`${r}: ${(e as Error).message}`);
    }
  }
  throw new Error(`no WebGPU adapter (${failures.join('; ')})`);
}
