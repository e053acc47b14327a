// Where `npm run weights` finds timm models: a directory (one model, or a directory of models),
// or, when nothing local exists, the Hugging Face hub.
import { existsSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const DEFAULT_MODEL_ID = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const MODEL_FILES = ['config.json', 'model.safetensors'] as const;

function isModelDir(dir: string): boolean {
  return MODEL_FILES.some((f) => existsSync(join(dir, f)));
}

/**
 * The model directories in `dir`: `dir` itself when it holds a model, else its subdirectories
 * that do. A directory with only one of the two files is returned too, so the converter
 * reports the missing one by name instead of silently skipping the model.
 */
export function findModelDirs(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`${dir}: no such directory`);
  if (!statSync(dir).isDirectory()) throw new Error(`${dir}: not a directory (give the directory that holds config.json + model.safetensors)`);
  if (isModelDir(dir)) return [dir];
  const dirs = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && isModelDir(join(dir, d.name)))
    .map((d) => join(dir, d.name))
    .sort();
  if (!dirs.length) throw new Error(`${dir}: holds no timm model (config.json + model.safetensors), nor subdirectories that do`);
  return dirs;
}

/**
 * Downloads config.json and model.safetensors of timm/<id> into cacheDir/<id>/ (skipped when
 * already there). The hub sends the sha256 of LFS files as X-Linked-Etag: it is kept as a
 * `.sha256` sidecar, which the converter then checks.
 */
export async function downloadFromHub(id: string, cacheDir: string, log: (line: string) => void): Promise<string> {
  const dir = join(cacheDir, id);
  mkdirSync(dir, { recursive: true });
  for (const file of MODEL_FILES) {
    const dest = join(dir, file);
    if (existsSync(dest)) continue;
    const url = `https://huggingface.co/timm/${id}/resolve/main/${file}`;
    log(`downloading ${url}`);
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(
        `${url}: download failed (${(e as Error).message}); put config.json + model.safetensors in a directory and pass it (or set TOME_WEIGHTS_DIR)`,
      );
    }
    if (!res.ok) throw new Error(`${url}: download failed with HTTP ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    const etag = (res.headers.get('x-linked-etag') ?? '').replace(/"/g, '');
    if (/^[0-9a-f]{64}$/.test(etag)) writeFileSync(`${dest}.sha256`, etag + '\n');
    // Rename into place so an interrupted download is never mistaken for a complete file.
    writeFileSync(`${dest}.part`, bytes);
    renameSync(`${dest}.part`, dest);
  }
  return dir;
}
