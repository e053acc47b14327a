// Node-only: reads a timm hub-layout directory (config.json + model.safetensors).
import { readFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseTimmConfig } from './config';
import { readSafetensors } from './safetensors';
import { checkTensors, type ViTWeights } from './weights';

/** Class names from shared/imagenet/classes.tsv (index, synset, names): the first name. */
export function readClassesTsv(path: string): string[] {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim());
  const rows = lines.filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t'));
  return rows.sort((a, b) => Number(a[0]) - Number(b[0])).map((r) => r[2].split(',')[0].trim());
}

/** `labels` (or `classesTsv`) name the classes of configs without label_names. */
export function readTimmDir(dir: string, opts: { id?: string; classesTsv?: string; labels?: string[] } = {}): ViTWeights {
  const id = opts.id ?? basename(dir);
  const cfgPath = join(dir, 'config.json');
  const stPath = join(dir, 'model.safetensors');
  if (!existsSync(cfgPath)) throw new Error(`${cfgPath}: missing`);
  if (!existsSync(stPath)) throw new Error(`${stPath}: missing`);
  let raw: Record<string, unknown>;
  try {
    raw = JSON.parse(readFileSync(cfgPath, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`${cfgPath}: not valid JSON (${(e as Error).message})`);
  }
  const tensors = readSafetensors(readFileSync(stPath), stPath);
  const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
  const labels = opts.labels ?? (opts.classesTsv && existsSync(opts.classesTsv) ? readClassesTsv(opts.classesTsv) : undefined);
  let config;
  try {
    config = parseTimmConfig(id, raw, { labels, shapes });
  } catch (e) {
    // parseTimmConfig names the file "config.json"; give the full path of this one.
    throw new Error(`${cfgPath}: ${(e as Error).message.replace(/^config\.json: /, '')}`);
  }
  checkTensors(config, tensors, stPath);
  return { config, tensors };
}
