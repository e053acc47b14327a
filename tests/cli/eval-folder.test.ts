// `tome eval DIR` on the user's own folders: an ImageFolder (classes by WordNet id and by name),
// the same photos with a labels file (equal results), no labels (agreement with r = 0), bad files
// (one line each, counted by the exit code), --out's files, and a 2,000-image folder whose memory
// stays flat while it streams.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { SPECS, writeTimmModel } from '../support/timm-models';

const ROOT = join(__dirname, '..', '..');
const SAMPLES = join(ROOT, '..', 'shared', 'eval', 'imagenet-samples');
const tmp = mkdtempSync(join(tmpdir(), 'tome-eval-folder-'));
const MAIN = join(ROOT, 'src/cli/main.ts');

function tome(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 600_000 });
  const lines = r.stdout.split('\n').filter(Boolean);
  return { code: r.status, json: lines.map((l) => JSON.parse(l)), stderr: r.stderr };
}

/** Sample photos (file name, class index), by WordNet id folder or by class-name folder. */
const BY_ID = [
  ['n01531178_goldfinch.JPEG', 11],
  ['n01443537_goldfish.JPEG', 1],
  ['n02099601_golden_retriever.JPEG', 207],
] as const;
const BY_NAME = [
  ['n01484850_great_white_shark.JPEG', 2, 'great_white_shark'],
  ['n02391049_zebra.JPEG', 340, 'zebra'],
] as const;
const HOLIDAY = 'n04285008_sports_car.JPEG';

const dirs = { imageFolder: join(tmp, 'image-folder'), labelled: join(tmp, 'labelled'), unlabelled: join(tmp, 'unlabelled') };
const FLAGS = ['--backend', 'cpu', '--r', '0,8,16', '--schedule', 'constant,decreasing'];

beforeAll(() => {
  for (const d of Object.values(dirs)) mkdirSync(d);
  const rows = ['file\tclass_index'];
  for (const [file, index] of BY_ID) {
    const wnid = file.slice(0, 9);
    mkdirSync(join(dirs.imageFolder, wnid), { recursive: true });
    copyFileSync(join(SAMPLES, file), join(dirs.imageFolder, wnid, file));
    copyFileSync(join(SAMPLES, file), join(dirs.labelled, file));
    rows.push(`${file}\t${index}`);
  }
  for (const [file, index, name] of BY_NAME) {
    mkdirSync(join(dirs.imageFolder, name));
    copyFileSync(join(SAMPLES, file), join(dirs.imageFolder, name, file));
    copyFileSync(join(SAMPLES, file), join(dirs.labelled, file));
    rows.push(`${file}\t${index}`);
  }
  writeFileSync(join(dirs.labelled, 'labels.tsv'), rows.join('\n') + '\n');
  // A folder that names no class, and two bad files in class folders.
  mkdirSync(join(dirs.imageFolder, 'holiday'));
  copyFileSync(join(SAMPLES, HOLIDAY), join(dirs.imageFolder, 'holiday', HOLIDAY));
  writeFileSync(join(dirs.imageFolder, 'zebra', 'notes.jpg'), 'not an image\n');
  const jpeg = readFileSync(join(SAMPLES, BY_ID[0][0]));
  writeFileSync(join(dirs.imageFolder, 'n01531178', 'truncated.jpg'), jpeg.subarray(0, jpeg.length >> 1));
  for (const [file] of [...BY_ID, ...BY_NAME]) copyFileSync(join(SAMPLES, file), join(dirs.unlabelled, file));
});

describe('tome eval on a folder', () => {
  let imageFolder: ReturnType<typeof tome>;
  let labelled: ReturnType<typeof tome>;

  it('reads an ImageFolder by WordNet id and class name; names the folder it does not know and each bad file', () => {
    imageFolder = tome('eval', dirs.imageFolder, ...FLAGS);
    expect(imageFolder.code).toBe(2); // two unreadable images
    const report = imageFolder.json[0];
    expect(report).toMatchObject({ labels: 'folders', images: 5, skipped: 2, model: 'vit_tiny_patch16_224.augreg_in21k_ft_in1k' });
    expect(imageFolder.stderr).toMatch(/eval: labels from 5 class folder\(s\) \(7 image\(s\)\)/);
    expect(imageFolder.stderr).toMatch(/1 folder\(s\) not recognised, 1 image\(s\) left out: holiday \("holiday" is not a class name/);
    const lines = imageFolder.stderr.split('\n');
    expect(lines.filter((l) => l.includes('notes.jpg'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('truncated.jpg'))).toHaveLength(1);
    expect(imageFolder.stderr).toMatch(/2 image\(s\) could not be read and were skipped/);
    expect(imageFolder.stderr).not.toMatch(/\n\s+at /);
    const rows = report.results;
    expect(rows.map((r: { r: number; schedule: string }) => `${r.r}${r.schedule[0]}`)).toEqual(['0c', '8c', '16c', '8d', '16d']);
    for (const row of rows) {
      expect(row.n).toBe(5);
      expect(row.top5).toBeGreaterThanOrEqual(row.top1);
      expect(row.imgPerSec).toBeGreaterThan(0);
    }
    expect(rows[0]).toMatchObject({ top1: 1, agreement: 1, meanTv: 0, meanFinalTokens: 197, speedup: 1 });
    expect(rows[1].meanFinalTokens).toBe(101);
    expect(rows[2].meanTv).toBeGreaterThan(0);
  });

  it('gives the same figures with a labels file on the same photos', () => {
    labelled = tome('eval', dirs.labelled, ...FLAGS);
    expect(labelled.code).toBe(0);
    expect(labelled.json[0]).toMatchObject({ labels: 'file', images: 5, skipped: 0 });
    const strip = (rows: Array<Record<string, number>>) => rows.map(({ msPerImage: _, imgPerSec: __, speedup: ___, ...rest }) => rest);
    const a = strip(imageFolder.json[0].results);
    const b = strip(labelled.json[0].results);
    expect(b.map((r) => ({ ...r, meanTv: Number(r.meanTv.toFixed(6)) }))).toEqual(a.map((r) => ({ ...r, meanTv: Number(r.meanTv.toFixed(6)) })));
  });

  it('without labels: agreement with r = 0 and the TV shift, the same as the labelled run', () => {
    for (const run of [tome('eval', dirs.unlabelled, ...FLAGS), tome('eval', dirs.labelled, '--labels', 'none', ...FLAGS)]) {
      expect(run.code).toBe(0);
      expect(run.json[0]).toMatchObject({ labels: 'none', images: 5 });
      expect(run.stderr).toMatch(/agreement with r = 0/);
      run.json[0].results.forEach((row: Record<string, number>, i: number) => {
        expect(row).not.toHaveProperty('top1');
        expect(row).not.toHaveProperty('top5');
        expect(row.agreement).toBe(labelled.json[0].results[i].agreement);
        expect(row.meanTv).toBeCloseTo(labelled.json[0].results[i].meanTv, 6);
      });
    }
  });

  it('--out writes the table as CSV and JSON and the chart as SVG', () => {
    const out = join(tmp, 'out');
    const r = tome('eval', dirs.labelled, '--out', out, '--backend', 'cpu', '--r', '0,13', '--mode', 'merge,prune');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['chart.svg', 'results.csv', 'results.json']);
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8'));
    expect(json.results).toEqual(r.json[0].results);
    const csv = readFileSync(join(out, 'results.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toBe('r,schedule,mode,prop_attn,images,top1,top5,agreement,mean_tv,mean_final_tokens,ms_per_image,img_per_sec,speedup');
    expect(csv.slice(1).map((l) => l.split(',').slice(0, 3).join(' '))).toEqual(['0 constant merge', '13 constant merge', '13 constant prune']);
    const svg = readFileSync(join(out, 'chart.svg'), 'utf8');
    expect([...svg.matchAll(/<title>([^:<]*):/g)].map((m) => m[1])).toEqual(['r = 0', 'r = 13', 'r = 13, prune']);
  });

  it('refuses a folder without images with one line and exit 101', () => {
    const empty = join(tmp, 'empty');
    mkdirSync(empty);
    const r = tome('eval', empty, '--backend', 'cpu');
    expect(r.code).toBe(101);
    expect(r.stderr.trim().split('\n').pop()).toMatch(/empty: no image to measure/);
  });
});

describe('a 2,000-image folder', () => {
  it('streams: memory stays flat from the first quarter to the end', async () => {
    const model = join(tmp, 'small-model');
    writeTimmModel(model, SPECS.smallVit, 7);
    const folder = join(tmp, 'many');
    mkdirSync(folder);
    // 256 x 256 photos: holding them decoded would cost 190 KiB each, 380 MiB for the folder.
    const base = await sharp(join(SAMPLES, BY_ID[0][0])).resize(256, 256, { fit: 'fill' }).raw().toBuffer();
    for (let i = 0; i < 2000; i++) {
      base[i % base.length] ^= 0xff; // every file differs
      await sharp(base, { raw: { width: 256, height: 256, channels: 3 } })
        .jpeg()
        .toFile(join(folder, `${String(i).padStart(4, '0')}.jpg`));
    }
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'eval', folder, '--model', model, '--backend', 'reference', '--r', '0,2', '--batch', '4'], {
      cwd: ROOT,
    });
    let stdout = '';
    const rssAt = new Map<number, number>();
    const rss = () => {
      try {
        return Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024;
      } catch {
        return NaN; // the process is gone (its last line was just read)
      }
    };
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      // Progress lines, every 10%: "eval 500/2000  25% ...".
      for (const m of d.toString().matchAll(/eval (\d+)\/2000/g)) {
        const bytes = rss();
        if (Number.isFinite(bytes)) rssAt.set(Number(m[1]), bytes);
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ images: 2000, skipped: 0, labels: 'none' });
    const done = [...rssAt.keys()].sort((a, b) => a - b);
    const quarter = rssAt.get(done.find((n) => n >= 500)!)!;
    const late = done.filter((n) => n >= 1800);
    expect(late.length).toBeGreaterThan(0);
    const end = Math.max(...late.map((n) => rssAt.get(n)!));
    console.log(`RSS at ${done.map((n) => `${n}: ${(rssAt.get(n)! / 2 ** 20).toFixed(0)} MiB`).join(', ')}`);
    expect(end - quarter).toBeLessThan(48 * 2 ** 20);
  }, 600_000);
});
