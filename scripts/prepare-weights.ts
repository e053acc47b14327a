// `npm run weights [-- DIR] [--out OUTDIR]`: converts timm models into public/weights/<id>/
// (TF.js weights manifest + 4 MiB shards) and writes public/weights/index.json.
// Sources, first that exists: DIR or $TOME_WEIGHTS_DIR, ../shared/weights (or $TOME_SHARED_DIR/weights),
// the Hugging Face hub.
// Output root: --out, $TOME_WEIGHTS_OUT, or public/weights. Progress goes to stderr; any error
// ends with one line naming the file and a non-zero exit (TOME_DEBUG=1 prints the stack).
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { casesJsonPath, goldenDir, sharedPath } from '../src/golden';
import { convertTimmDir, writeIndex } from './lib/convert-weights';
import { DEFAULT_MODEL_ID, downloadFromHub, findModelDirs } from './lib/weight-sources';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const log = (line: string) => process.stderr.write(`weights: ${line}\n`);

function parseArgs(argv: string[]): { dir?: string; out: string } {
  let dir: string | undefined;
  let out = process.env.TOME_WEIGHTS_OUT || join(ROOT, 'public', 'weights');
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out') {
      if (!argv[i + 1]) throw new Error('--out needs a directory');
      out = argv[++i];
    } else if (argv[i].startsWith('-')) {
      throw new Error(`unknown option ${argv[i]} (usage: prepare-weights [DIR] [--out OUTDIR])`);
    } else if (dir) {
      throw new Error(`only one source directory may be given (got ${dir} and ${argv[i]})`);
    } else {
      dir = argv[i];
    }
  }
  return { dir: dir ?? (process.env.TOME_WEIGHTS_DIR || undefined), out: resolve(out) };
}

/** Source directories, and whether they came from the hub (whose files cases.json does not pin). */
async function sources(dir: string | undefined): Promise<{ dirs: string[]; fromHub: boolean }> {
  if (dir) return { dirs: findModelDirs(resolve(dir)), fromHub: false };
  const shared = sharedPath('weights');
  if (existsSync(shared)) return { dirs: findModelDirs(shared), fromHub: false };
  log(`no local weights (no argument, TOME_WEIGHTS_DIR or ${shared}): fetching ${DEFAULT_MODEL_ID} from the Hugging Face hub`);
  return { dirs: [await downloadFromHub(DEFAULT_MODEL_ID, join(ROOT, '.cache', 'hub'), log)], fromHub: true };
}

async function main(): Promise<void> {
  const { dir, out } = parseArgs(process.argv.slice(2));
  const { dirs, fromHub } = await sources(dir);
  mkdirSync(out, { recursive: true });
  for (const src of dirs) {
    const t0 = performance.now();
    const r = await convertTimmDir(src, out, {
      // cases.json pins the shared/ copies; a hub file has another header layout, hence another hash.
      goldenCases: fromHub ? undefined : casesJsonPath(goldenDir()),
      classesTsv: sharedPath('imagenet', 'classes.tsv'),
      log,
    });
    const mb = (r.bytes / 2 ** 20).toFixed(1);
    const s = ((performance.now() - t0) / 1000).toFixed(2);
    log(`${r.id}: ${r.status} (${r.tensors} tensors, ${r.shards} shards, ${mb} MiB) -> ${join(out, r.id)} in ${s} s`);
  }
  const models = writeIndex(out, log);
  log(`${join(out, 'index.json')}: ${models.length} model(s)`);
}

main().catch((e: unknown) => {
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`prepare-weights: ${msg.replace(/\s*\n\s*/g, ' ')}\n`);
  if (process.env.TOME_DEBUG) console.error(e);
  process.exit(1);
});
