// Node-only: reads a timm hub-layout directory (config.json + model.safetensors).
import { readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseTimmConfig } from './config';
import { readSafetensors } from './safetensors';
import { checkTensors, type ViTWeights } from './weights';

/** Class names from shared/imagenet/classes.tsv (index, synset, names): the first name. */
export function readClassesTsv(path: string): string[] {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l.trim());
  const rows = lines.filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t'));
  return rows.sort((a, b) => Number(a[0]) - Number(b[0])).map((r) => r[2].split(',')[0].trim());
}

export function readTimmDir(dir: string, opts: { id?: string; classesTsv?: string } = {}): ViTWeights {
  const id = opts.id ?? basename(dir);
  const cfgPath = join(dir, 'config.json');
  const stPath = join(dir, 'model.safetensors');
  if (!existsSync(cfgPath)) throw new Error(`${cfgPath}: missing`);
  if (!existsSync(stPath)) throw new Error(`${stPath}: missing`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8'));
  } catch (e) {
    throw new Error(`${cfgPath}: not valid JSON (${(e as Error).message})`);
  }
  const tensors = readSafetensors(readFileSync(stPath), stPath);
  const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
  const labels = opts.classesTsv && existsSync(opts.classesTsv) ? readClassesTsv(opts.classesTsv) : undefined;
  const config = parseTimmConfig(id, raw, { labels, shapes });
  checkTensors(config, tensors, stPath);
  return { config, tensors };
}
