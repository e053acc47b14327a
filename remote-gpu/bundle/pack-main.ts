// Pack time (remote-gpu/remote-gpu.sh pack, through tsx): one bundle folder per model (its converted
// weights as an xz'd byte-plane stream, the small manifest files, its golden cases as an xz'd
// tar), then the size of every part and of each device call against the 64 MiB limit.
//   tsx remote-gpu/bundle/pack-main.ts --root .remote --weights public/weights --golden ../shared/golden --models ID,ID
// Exit 1 when a call does not fit. Writes ROOT/BUDGET.md (not carried) with the table.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { parseArgs } from 'node:util';
import { casesJsonPath, logitsEntries, readGoldenCases } from '../../src/golden';
import { budgetCalls, budgetTable, type BundlePart, type DeviceCall } from './budget';
import { packShards, type ModelBundleManifest } from './model-pack';

const log = (s: string) => process.stderr.write(`pack: ${s}\n`);

function run(cmd: string, args: string[], opts: { input?: Uint8Array; cwd?: string } = {}): Buffer {
  const r = spawnSync(cmd, args, { input: opts.input, cwd: opts.cwd, maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.status}: ${r.stderr.toString().trim()}`);
  return r.stdout;
}

const sha256 = (d: Uint8Array | string) => createHash('sha256').update(d).digest('hex');

function packModel(root: string, weightsDir: string, goldenDir: string, model: string): void {
  const src = join(weightsDir, model);
  const modelJsonPath = join(src, 'model.json');
  if (!existsSync(modelJsonPath)) throw new Error(`${modelJsonPath}: missing (run \`npm run weights\`)`);
  const casesText = readFileSync(casesJsonPath(goldenDir), 'utf8');
  const cases = readGoldenCases(goldenDir);
  const entries = logitsEntries({ dir: goldenDir, model });
  if (!entries.length) throw new Error(`no golden cases for ${model} in ${goldenDir}`);
  const modelJsonText = readFileSync(modelJsonPath, 'utf8');
  const sourceKey = sha256(sha256(modelJsonText) + sha256(casesText));
  const out = join(root, 'models', model);
  const manifestPath = join(out, 'manifest.json');
  if (existsSync(manifestPath) && (JSON.parse(readFileSync(manifestPath, 'utf8')) as ModelBundleManifest).sourceKey === sourceKey) {
    log(`${model}: up to date`);
    return;
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(join(out, 'meta'), { recursive: true });

  const modelJson = JSON.parse(modelJsonText) as { weightsManifest: Array<{ paths: string[] }> };
  const shardNames = modelJson.weightsManifest.flatMap((g) => g.paths);
  const { planes, entries: shards } = packShards(shardNames.map((name) => ({ name, data: readFileSync(join(src, name)) })));
  writeFileSync(join(out, 'weights.planes.xz'), run('xz', ['-6', '-T0', '-c'], { input: planes }));
  const meta = readdirSync(src)
    .filter((f) => !shardNames.includes(f) && statSync(join(src, f)).isFile())
    .sort();
  for (const f of meta) writeFileSync(join(out, 'meta', f), readFileSync(join(src, f)));

  // The golden cases of this model alone, with the same relative paths cases.json uses.
  const files = [...new Set(entries.flatMap((e) => [e.input, ...e.cases.map((c) => c.logits)]))];
  const stage = join(root, 'tmp', `golden-${model}`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  // Named per model so that several models' tars extract side by side (unpack --merge-cases).
  const casesName = `cases-${model}.json`;
  writeFileSync(join(stage, casesName), JSON.stringify({ ...cases, entries }));
  for (const f of files) {
    mkdirSync(dirname(join(stage, f)), { recursive: true });
    writeFileSync(join(stage, f), readFileSync(join(goldenDir, f)));
  }
  const tar = run('tar', ['-C', stage, '-cf', '-', casesName, ...files]);
  writeFileSync(join(out, 'golden.tar.xz'), run('xz', ['-9', '-T0', '-c'], { input: tar }));
  rmSync(stage, { recursive: true, force: true });

  const manifest: ModelBundleManifest = { model, sourceKey, shards, meta, golden: 'golden.tar.xz', goldenEntries: entries.length };
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 1) + '\n');
  log(`${model}: ${shards.length} shards, ${meta.length} manifest files, ${entries.length} golden entries (${files.length} files)`);
}

function bytesUnder(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  return readdirSync(path).reduce((a, f) => a + bytesUnder(join(path, f)), 0);
}

/** What travels with every call besides `carry`: tracked and untracked-not-ignored files. */
function checkoutBytes(repo: string): number {
  const list = run('git', ['ls-files', '-z', '-co', '--exclude-standard'], { cwd: repo }).toString().split('\0').filter(Boolean);
  return list.reduce((a, f) => {
    const p = join(repo, f);
    return a + (existsSync(p) && statSync(p).isFile() ? statSync(p).size : 0);
  }, 0);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      root: { type: 'string', default: '.remote' },
      weights: { type: 'string', default: 'public/weights' },
      golden: { type: 'string' },
      models: { type: 'string' },
      repo: { type: 'string', default: '.' },
    },
  });
  if (!values.golden || !values.models)
    throw new Error('usage: pack-main.ts --golden DIR --models ID,ID [--root .remote] [--weights public/weights] [--repo .]');
  const root = values.root;
  const models = values.models.split(',').filter(Boolean);
  for (const m of models) packModel(root, values.weights, values.golden, m);
  rmSync(join(root, 'tmp'), { recursive: true, force: true });

  const rel = (p: string) => relative(values.repo, p);
  const runtime = join(root, 'runtime');
  if (!existsSync(join(runtime, 'node.xz'))) throw new Error(`${runtime}/node.xz missing: run the runtime steps of remote-gpu/remote-gpu.sh pack first`);
  const parts: BundlePart[] = [
    { path: rel(runtime), bytes: bytesUnder(runtime), what: 'Node (stripped, xz), dawn.node (xz), bundled JS + WGSL, Vulkan loader .debs' },
    ...models.map((m) => ({
      path: rel(join(root, 'models', m)),
      bytes: bytesUnder(join(root, 'models', m)),
      what: `${m}: weights (byte planes, xz) + golden cases (tar, xz)`,
    })),
  ];
  const pieces: Record<string, string> = {
    'node.xz': 'the Node binary, stripped, xz with the x86 filter',
    'dawn.node.xz': "Dawn's dawn.node (webgpu package, linux-x64), xz",
    app: 'bundled JS (esbuild), WGSL, webgpu package stub',
    debs: 'Vulkan loader and GL dispatch .debs (device README recipe)',
  };
  const details: BundlePart[] = Object.entries(pieces).map(([f, what]) => ({
    path: rel(join(runtime, f)),
    bytes: existsSync(join(runtime, f)) ? bytesUnder(join(runtime, f)) : 0,
    what,
  }));
  const checkout = checkoutBytes(values.repo);
  const calls: DeviceCall[] = [
    { name: 'all in one', carry: [rel(runtime), ...models.map((m) => rel(join(root, 'models', m)))], purpose: 'every golden case and the bench in one call' },
    ...models.map((m, i) => ({
      name: `call ${i + 1}`,
      carry: [rel(runtime), rel(join(root, 'models', m))],
      purpose: i === 0 ? `golden ${m}, then the bench` : `golden ${m}`,
    })),
  ];
  const budgets = budgetCalls(parts, checkout, calls);
  const table = budgetTable(parts, details, checkout, budgets);
  writeFileSync(join(root, 'BUDGET.md'), table + '\n');
  process.stdout.write(table + '\n');
  const split = budgets.slice(1);
  if (budgets[0].fits) log('everything fits in one call');
  else if (split.every((b) => b.fits)) log(`one call would carry ${(budgets[0].bytes / 2 ** 20).toFixed(1)} MiB: split into ${split.length} calls, each fits`);
  else {
    for (const b of split.filter((x) => !x.fits)) log(`${b.name} does not fit: ${b.problem}`);
    process.exit(1);
  }
}

try {
  main();
} catch (e) {
  log(e instanceof Error ? e.message : String(e));
  process.exit(1);
}
