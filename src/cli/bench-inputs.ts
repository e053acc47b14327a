// The inputs `tome bench` times. The golden inputs (real photos preprocessed by the official
// pipeline) when ../shared/golden has them for this model: their official r = 0 top-1 then
// vets the tfjs peer before it is timed. For any other model (a local folder, a hub model),
// the golden photos preprocessed for this model's config, or seeded random inputs without
// them: the content does not change the work, and the peer check is skipped with a note.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchInputs } from '../../bench/run';
import type { ModelConfig } from '../model/config';
import { prepareLimits } from '../core/preprocess';
import { casesJsonPath, goldenDir, logitsEntries, readGoldenF32 } from '../golden';
import { preprocess } from '../reference/preprocess';
import { decodeImageFile } from './decode-node';
import { seededRandom } from '../core/random';

function goldenInputs(model: string): BenchInputs | null {
  if (!existsSync(casesJsonPath(goldenDir()))) return null;
  const entries = logitsEntries({ model });
  if (!entries.length) return null;
  return {
    inputs: entries.map((e) => readGoldenF32(e.input)),
    r0Top1: entries.map((e) => e.cases.find((c) => c.name === 'r0')!.top5[0][0]),
    source: `the ${entries.length} golden inputs of ${model}`,
  };
}

async function samplePhotos(c: ModelConfig): Promise<Float32Array[]> {
  const dir = join(goldenDir(), 'images');
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir)
    .filter((f) => /\.(jpe?g|png)$/i.test(f))
    .sort();
  return Promise.all(files.map(async (f) => preprocess(await decodeImageFile(join(dir, f), prepareLimits(c)), c).input));
}

/** Seeded (mulberry32) values in [-2, 2), about the range of normalised pixels. */
function randomInputs(c: ModelConfig, n: number): Float32Array[] {
  const next = seededRandom(2023);
  return Array.from({ length: n }, () => Float32Array.from({ length: 3 * c.imgSize * c.imgSize }, () => 4 * next() - 2));
}

export async function benchInputs(c: ModelConfig): Promise<BenchInputs> {
  const golden = goldenInputs(c.id);
  if (golden) return golden;
  const photos = await samplePhotos(c);
  if (photos.length) return { inputs: photos, r0Top1: null, source: `${photos.length} sample photos preprocessed for ${c.id} (no golden inputs for it)` };
  return { inputs: randomInputs(c, 8), r0Top1: null, source: `8 random inputs (no golden inputs or sample photos for ${c.id})` };
}
