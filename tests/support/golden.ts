// Loads ../shared/golden (the official ToMe outputs) for the CPU and GPU tests: cases, inputs,
// logits, and the models' weights straight from ../shared/weights.
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTimmDir } from '../../src/model/timm-dir';
import type { ViTWeights } from '../../src/model/weights';
import type { Schedule } from '../../src/core/tome';

const SHARED = resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared');
export const GOLDEN = join(SHARED, 'golden');

export interface GoldenCase {
  name: string;
  r: number;
  schedule: Schedule;
  tokens: number[];
  top5: Array<[number, number]>;
  logits: string;
  groups: number[];
  /** Per block, [src, dst] token positions entering that block. */
  merges: Array<Array<[number, number]>>;
  /** Smallest cosine margin between the weakest merged and strongest unmerged A token. */
  min_boundary_gap: number | null;
}

export interface GoldenEntry {
  model: string;
  image: string;
  /** Source photo, relative to GOLDEN. */
  image_file: string;
  input: string;
  cases: GoldenCase[];
}

export function goldenEntries(): GoldenEntry[] {
  return JSON.parse(readFileSync(join(GOLDEN, 'cases.json'), 'utf8')).entries;
}

export function readF32(rel: string): Float32Array {
  const b = readFileSync(join(GOLDEN, rel));
  const out = new Float32Array(b.byteLength / 4);
  new Uint8Array(out.buffer).set(b);
  return out;
}

const models = new Map<string, ViTWeights>();

/** The model's weights, read once per test file. */
export function loadModel(id: string): ViTWeights {
  let w = models.get(id);
  if (!w) {
    w = readTimmDir(join(SHARED, 'weights', id), { classesTsv: join(SHARED, 'imagenet', 'classes.tsv') });
    models.set(id, w);
  }
  return w;
}
