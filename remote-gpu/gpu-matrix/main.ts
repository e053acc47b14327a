// `npm run bench:gpu -- --out DIR [...]` (options: options.ts): the golden check of every engine
// configuration on the chosen models, then the GPU matrix (matrix.ts); writes
// <name>.json and <name>.md under --out (report.ts names them after the adapter) and prints
// the Markdown. The Dawn route and adapter follow TOME_ADAPTER, TOME_ADAPTER_NAME and
// TOME_ADAPTER_HARDWARE (src/gpu/node-adapter.ts). remote-gpu/remote-gpu.sh runs this, bundled, on
// a machine with a GPU. Exit 3: a golden check failed (what ran is still written).
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { goldenDir } from '../../src/golden';
import { DEFAULT_WEIGHTS_ROOT, loadModelNode } from '../../src/model/load-node';
import { GoldenCheckFailed, runMatrix } from './matrix';
import { parseMatrixArgs } from './options';
import { matrixMarkdown, resultBaseName } from './report';
import type { MatrixResult } from './result';

const log = (s: string) => process.stderr.write(`gpu-matrix: ${s}\n`);

function webgpuVersion(): string {
  try {
    return (createRequire(import.meta.url)('webgpu/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

function write(r: MatrixResult, outDir: string, models: string[]): string {
  mkdirSync(outDir, { recursive: true });
  const base = resultBaseName(r) + (r.bench ? '' : `.golden-${models.join('.')}`);
  writeFileSync(join(outDir, `${base}.json`), JSON.stringify(r, null, 1) + '\n');
  const md = matrixMarkdown(r);
  writeFileSync(join(outDir, `${base}.md`), md);
  log(`wrote ${join(outDir, base)}.json and .md`);
  return md;
}

async function main(): Promise<number> {
  const o = parseMatrixArgs(process.argv.slice(2), {
    weightsDir: DEFAULT_WEIGHTS_ROOT,
    goldenDir: goldenDir(),
  });
  const env = {
    loadWeights: (id: string) => loadModelNode(id, { root: o.weightsDir }),
    log,
    runtime: { node: process.version, webgpu: webgpuVersion(), platform: `${process.platform}-${process.arch}`, cpus: cpus().length },
  };
  try {
    const r = await runMatrix(o, env);
    process.stdout.write(write(r, o.outDir, o.goldenModels));
    return 0;
  } catch (e) {
    if (!(e instanceof GoldenCheckFailed)) throw e;
    write(e.partial, o.outDir, o.goldenModels);
    log(e.message);
    return 3;
  }
}

main().then(
  (code) => process.stdout.write('', () => process.exit(code)),
  (e: unknown) => {
    log(e instanceof Error ? e.message.split('\n').join(' ') : String(e));
    if (process.env.TOME_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    process.exit(2);
  },
);
