// `npm run bench:kernels -- [family...] [--model vit_ti,vit_b,deit_s_dist] [--batch N] [--reps N] [--rounds N]`:
// each kernel family timed alone on real ViT shapes; the table goes to stdout, progress to
// stderr. The Dawn route follows TOME_ADAPTER, as everywhere.
import { parseArgs } from 'node:util';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';
import { loadShaderSources } from '../../src/gpu/shader-source';
import type { Family } from '../../src/gpu/kernels';
import { runKernelBenches, timingsTable } from './index';
import { BENCH_MODELS } from './shapes';

function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${what} must be a positive integer, got "${v}"`);
  return n;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { model: { type: 'string', default: 'vit_ti,vit_b' }, batch: { type: 'string' }, reps: { type: 'string' }, rounds: { type: 'string' } },
  });
  const models = values.model.split(',').map((id) => {
    const c = BENCH_MODELS[id];
    if (!c) throw new Error(`unknown model "${id}" (have ${Object.keys(BENCH_MODELS).join(', ')})`);
    return c;
  });
  const { adapter, route } = await requestNodeAdapter('auto');
  const device = await adapter.requestDevice();
  const info = adapter.info;
  const adapterName = `${route}, ${[info.vendor, info.architecture, info.description].filter(Boolean).join(' ')}`;
  process.stderr.write(`kernels on ${adapterName}\n`);
  const ctx = { device, src: await loadShaderSources(), reps: positiveInt(values.reps, 'reps'), rounds: positiveInt(values.rounds, 'rounds') ?? 5 };
  const results = await runKernelBenches(ctx, positionals as Family[], models, positiveInt(values.batch, 'batch') ?? 1, (line) =>
    process.stderr.write(`${line}\n`),
  );
  process.stdout.write(`Adapter: ${adapterName}\n\n${timingsTable(results)}\n`);
  device.destroy();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`bench:kernels: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(1);
  },
);
