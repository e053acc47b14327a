// The WGSL sources in src/shaders, as text, in both worlds: under Vite (the app and vitest)
// through import.meta.glob with `?raw`, which Vite inlines at build time; under plain Node
// (the CLI through tsx, which has no `?raw`) by reading the same files from disk. The .wgsl
// files stay the one source of truth.

export type ShaderSources = Record<string, string>;

let cached: Promise<ShaderSources> | null = null;

async function fromVite(): Promise<ShaderSources> {
  const mods = import.meta.glob<string>('../shaders/*.wgsl', { query: '?raw', import: 'default', eager: true });
  const out: ShaderSources = {};
  for (const [path, text] of Object.entries(mods)) out[path.replace(/^.*\/(\w+)\.wgsl$/, '$1')] = text;
  return out;
}

async function fromDisk(): Promise<ShaderSources> {
  // Specifiers held in variables so that a browser bundler never tries to resolve them.
  const fsName = 'node:fs';
  const urlName = 'node:url';
  // Typed here by what is used: this module is compiled for the browser's worlds too.
  const fs = (await import(/* @vite-ignore */ fsName)) as { readdirSync(dir: string): string[]; readFileSync(path: string, encoding: 'utf8'): string };
  const { fileURLToPath } = (await import(/* @vite-ignore */ urlName)) as { fileURLToPath: (url: URL) => string };
  const dir = fileURLToPath(new URL('../shaders/', import.meta.url));
  const out: ShaderSources = {};
  for (const f of fs.readdirSync(dir)) {
    if (f.endsWith('.wgsl')) out[f.slice(0, -5)] = fs.readFileSync(dir + f, 'utf8');
  }
  return out;
}

/** All kernels by file stem (e.g. `matmul_reg`). */
export function loadShaderSources(): Promise<ShaderSources> {
  // import.meta.env exists only when Vite transformed this module.
  cached ??= import.meta.env ? fromVite() : fromDisk();
  return cached;
}
