// On the device (bundled to unpack.mjs, run by the bundled Node): one model folder of the
// bundle (remote-gpu/remote-gpu.sh pack) back into the converted-weights layout the loader reads.
//   node unpack.mjs MODEL_DIR PLANES_FILE OUT_DIR    (PLANES_FILE: weights.planes.xz, decompressed)
//   node unpack.mjs --merge-cases GOLDEN_DIR         (after every model's golden tar is extracted)
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpackShards, type ModelBundleManifest } from './model-pack';

/** Each model's golden tar brings its own cases-<model>.json: one cases.json of all of them. */
function mergeCases(dir: string): void {
  const parts = readdirSync(dir)
    .filter((f) => /^cases-.+\.json$/.test(f))
    .sort();
  if (!parts.length) throw new Error(`no cases-*.json in ${dir}`);
  const all = parts.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as { entries: unknown[] } & Record<string, unknown>);
  writeFileSync(join(dir, 'cases.json'), JSON.stringify({ ...all[0], entries: all.flatMap((c) => c.entries) }));
  process.stderr.write(`unpack: ${dir}/cases.json from ${parts.join(', ')}\n`);
}

function main(): void {
  if (process.argv[2] === '--merge-cases') return mergeCases(process.argv[3]);
  const [modelDir, planesFile, outDir] = process.argv.slice(2);
  if (!outDir) throw new Error('usage: unpack.mjs MODEL_DIR PLANES_FILE OUT_DIR');
  const m = JSON.parse(readFileSync(join(modelDir, 'manifest.json'), 'utf8')) as ModelBundleManifest;
  mkdirSync(outDir, { recursive: true });
  const planes = readFileSync(planesFile);
  const shards = unpackShards(new Uint8Array(planes.buffer, planes.byteOffset, planes.byteLength), m.shards);
  for (const s of shards) writeFileSync(join(outDir, s.name), s.data);
  for (const f of m.meta) copyFileSync(join(modelDir, 'meta', f), join(outDir, f));
  const mb = (m.shards.reduce((a, s) => a + s.bytes, 0) / 2 ** 20).toFixed(1);
  process.stderr.write(`unpack: ${m.model}: ${shards.length} shards (${mb} MiB, sha256 checked) + ${m.meta.join(', ')} -> ${outDir}\n`);
}

try {
  main();
} catch (e) {
  process.stderr.write(`unpack: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
}
