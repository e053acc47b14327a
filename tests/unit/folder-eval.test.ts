// The folder measurement's pure parts (src/eval), shared by `tome eval` and the page: class keys,
// labels files, folder layouts, settings, the tally, the table and the chart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ForwardResult } from '../../src/core/backend';
import { topK } from '../../src/core/prediction';
import { classResolver } from '../../src/eval/class-keys';
import { FolderRun } from '../../src/eval/folder-run';
import { planFolder } from '../../src/eval/folder-plan';
import { parseLabelsText } from '../../src/eval/labels-text';
import { FolderMeasure } from '../../src/eval/measure';
import { measuredSeries } from '../../src/eval/measured-series';
import { measureSettings, settingName } from '../../src/eval/settings';
import { toCsv } from '../../src/eval/table';
import { svgDocument, tradeoffNodes } from '../../src/eval/tradeoff-chart';
import imagenetLabels from '../../src/model/imagenet-labels.json';
import imagenetSynsets from '../../src/model/imagenet-synsets.json';
import type { Backend, ModelInput } from '../../src/core/backend';
import type { ToMeOptions } from '../../src/core/tome';

const CLASSES = join(__dirname, '../../../shared/imagenet/classes.tsv');
const imagenet = classResolver({ numClasses: 1000, labels: imagenetLabels });

describe('class keys', () => {
  it("ImageNet-1k's WordNet ids are the shared classes.tsv's, in its order", () => {
    const rows = readFileSync(CLASSES, 'utf8').trim().split('\n').slice(1);
    expect(imagenetSynsets).toEqual(rows.map((l) => l.split('\t')[1]));
  });

  it('takes a class index, a WordNet id or a class name (underscores, any case)', () => {
    expect(imagenet('207')).toEqual({ index: 207 });
    expect(imagenet('n02099601')).toEqual({ index: 207 });
    expect(imagenet('golden_retriever')).toEqual({ index: 207 });
    expect(imagenet('Golden Retriever')).toEqual({ index: 207 });
    expect(imagenet('great-white-shark')).toEqual({ index: 2 });
  });

  it('refuses what names no class, and a name two classes share, with the reason', () => {
    expect(imagenet('1000')).toMatchObject({ unknown: expect.stringMatching(/out of range.*1000 classes/) });
    expect(imagenet('n99999999')).toMatchObject({ unknown: expect.stringMatching(/not one of the model's classes/) });
    expect(imagenet('holiday')).toMatchObject({ unknown: expect.stringMatching(/"holiday" is not a class name/) });
    // ImageNet's "crane" is a bird (134) and a machine (517).
    expect(imagenet('crane')).toMatchObject({ unknown: expect.stringMatching(/names 2 classes \(134, 517\)/) });
    // "Cardigan" (the dog) and "cardigan" (the sweater) differ only by case: exact case decides.
    expect(imagenet('cardigan')).toEqual({ index: 474 });
    expect(imagenet('Cardigan')).toEqual({ index: 264 });
    expect(imagenet('CARDIGAN')).toMatchObject({ unknown: expect.stringMatching(/names 2 classes/) });
  });

  it('WordNet ids come from the label names when those are ids, and not at all for other class counts', () => {
    const in21k = classResolver({ numClasses: 3, labels: ['n00004475', 'n00005787', 'n00006024'] });
    expect(in21k('n00005787')).toEqual({ index: 1 });
    const ten = classResolver({ numClasses: 10, labels: Array.from({ length: 10 }, (_, i) => `thing ${i}`) });
    expect(ten('n01440764')).toMatchObject({ unknown: expect.stringMatching(/no WordNet ids/) });
    expect(ten('thing_3')).toEqual({ index: 3 });
  });
});

describe('labels files', () => {
  it('reads tsv with a header, csv with quoted commas, CRLF, any class key', () => {
    expect(parseLabelsText('file\tclass_index\na.jpg\t3\r\nsub/b.jpg\tn01440764\n', 'labels.tsv')).toEqual([
      { file: 'a.jpg', key: '3', line: 2 },
      { file: 'sub/b.jpg', key: 'n01440764', line: 3 },
    ]);
    expect(parseLabelsText('filename,label\n"x, y.jpg",great white shark\nz.png,"a ""quoted"" name"\n', 'labels.csv')).toEqual([
      { file: 'x, y.jpg', key: 'great white shark', line: 2 },
      { file: 'z.png', key: 'a "quoted" name', line: 3 },
    ]);
  });

  it('refuses a row without a class, naming the file and line, and a file without rows', () => {
    expect(() => parseLabelsText('a.jpg\t3\nb.jpg\n', 'l.tsv')).toThrow(/^l\.tsv:2: expected "file<TAB>class"/);
    expect(() => parseLabelsText('file,class\n', 'l.csv')).toThrow(/l\.csv: no labelled rows/);
  });
});

describe('folder layouts', () => {
  it('an ImageFolder: classes by WordNet id, index and name; unrecognised folders left out and named', () => {
    const files = [
      'n01440764/a.jpg',
      'n01440764/b.JPEG',
      '1/c.png',
      'great_white_shark/d.webp',
      'holiday/e.jpg',
      'holiday/f.jpg',
      'notes.txt',
      'n01440764/.g.jpg',
    ];
    const plan = planFolder(files, { kind: 'auto' }, imagenet);
    expect(plan.labels).toBe('folders');
    expect(plan.images).toEqual([
      { path: '1/c.png', label: 1 },
      { path: 'great_white_shark/d.webp', label: 2 },
      { path: 'n01440764/a.jpg', label: 0 },
      { path: 'n01440764/b.JPEG', label: 0 },
    ]);
    expect(plan.unrecognised).toEqual([{ key: 'holiday', images: 2, why: expect.stringMatching(/not a class name/) }]);
    expect(plan.ignored).toBe(2);
    expect(plan.notes.join('\n')).toMatch(/labels from 3 class folder\(s\) \(4 image\(s\)\)\n1 folder\(s\) not recognised, 2 image\(s\) left out: holiday/);
  });

  it('no labels: a flat folder, folders that name no class, or asked for none', () => {
    const flat = planFolder(['b.jpg', 'a.png'], { kind: 'auto' }, imagenet);
    expect(flat).toMatchObject({ labels: 'none', images: [{ path: 'a.png' }, { path: 'b.jpg' }] });
    const trips = planFolder(['rome/a.jpg', 'paris/b.jpg'], { kind: 'auto' }, imagenet);
    expect(trips.labels).toBe('none');
    expect(trips.images).toHaveLength(2);
    expect(trips.notes[0]).toMatch(/none of the 2 subfolder name\(s\) is a class of this model/);
    expect(planFolder(['n01440764/a.jpg'], { kind: 'none' }, imagenet).labels).toBe('none');
  });

  it('a labels file decides, row by row', () => {
    const rows = parseLabelsText('a.jpg\ttench\nb.jpg\t999\nc.jpg\tdragon\n', 'labels.tsv');
    const plan = planFolder(['a.jpg', 'b.jpg', 'c.jpg', 'labels.tsv'], { kind: 'file', name: 'labels.tsv', rows }, imagenet);
    expect(plan.labels).toBe('file');
    expect(plan.images).toEqual([
      { path: 'a.jpg', label: 0 },
      { path: 'b.jpg', label: 999 },
    ]);
    expect(plan.unrecognised.map((u) => u.key)).toEqual(['dragon']);
  });
});

describe('settings', () => {
  it('r = 0 once and first, then every schedule and mode', () => {
    const s = measureSettings([8, 0, 16], ['constant', 'decreasing'], ['merge', 'prune'], true);
    expect(s.map(settingName)).toEqual([
      'r = 0',
      'r = 8',
      'r = 16',
      'r = 8 decreasing',
      'r = 16 decreasing',
      'r = 8, prune',
      'r = 16, prune',
      'r = 8 decreasing, prune',
      'r = 16 decreasing, prune',
    ]);
    expect(s.every((x) => x.propAttn)).toBe(true);
  });
});

/** A forward result with these probabilities (only what the tally reads). */
function result(probs: number[], finalTokens: number): ForwardResult {
  const p = Float32Array.from(probs);
  return { logits: p, probs: p, top5: topK(p, 2), tokens: [197, finalTokens], tokenOfPatch: [], groups: new Int32Array() };
}

describe('the tally', () => {
  const settings = measureSettings([8], ['constant'], ['merge'], true);

  it('top-1/top-5 with labels; agreement and TV shift against r = 0; throughput without the warm-up batch', () => {
    const m = new FolderMeasure(settings, true);
    // Batch 1 (warm-up): two images, labels 0 and 1.
    m.add(0, [result([0.7, 0.2, 0.1], 197), result([0.1, 0.6, 0.3], 197)], { ms: 1000, source: 'wall' }, [0, 1]);
    m.add(1, [result([0.6, 0.3, 0.1], 101), result([0.1, 0.3, 0.6], 101)], { ms: 1000, source: 'wall' }, [0, 1]);
    // Batch 2: one image, label 2.
    m.add(0, [result([0.2, 0.2, 0.6], 197)], { ms: 40, source: 'wall' }, [2]);
    m.add(1, [result([0.2, 0.3, 0.5], 101)], { ms: 20, source: 'wall' }, [2]);
    const [r0, r8] = m.rows();
    expect(r0).toMatchObject({ r: 0, n: 3, top1: 1, agreement: 1, meanTv: 0, meanFinalTokens: 197, msPerImage: 40, speedup: 1 });
    expect(r8).toMatchObject({ r: 8, n: 3, top1: 2 / 3, top5: 1, agreement: 2 / 3, meanFinalTokens: 101, msPerImage: 20, imgPerSec: 50, speedup: 2 });
    expect(r8.meanTv).toBeCloseTo((0.1 + 0.3 + 0.1) / 3, 6);
  });

  it('without labels: no top-1 at all', () => {
    const m = new FolderMeasure(settings, false);
    m.add(0, [result([0.7, 0.3], 197)], { ms: 5, source: 'gpu-timestamp' }, [undefined]);
    m.add(1, [result([0.4, 0.6], 101)], { ms: 4, source: 'gpu-timestamp' }, [undefined]);
    const rows = m.rows();
    expect(rows[1]).not.toHaveProperty('top1');
    expect(rows[1]).toMatchObject({ agreement: 0, msPerImage: 4 });
    expect(rows[1].meanTv).toBeCloseTo(0.3, 6);
    expect(m.source).toBe('gpu-timestamp');
    expect(toCsv(rows).split('\n')[0]).toBe('r,schedule,mode,prop_attn,images,agreement,mean_tv,mean_final_tokens,ms_per_image,img_per_sec,speedup');
  });
});

describe('the streaming run', () => {
  /** A backend whose answer depends on the setting only, and that counts what it holds. */
  function fakeBackend(): Backend & { calls: Array<{ n: number; r: number }> } {
    const calls: Array<{ n: number; r: number }> = [];
    return {
      calls,
      async run(inputs: ModelInput[], opts: ToMeOptions) {
        calls.push({ n: inputs.length, r: opts.r });
        return {
          results: inputs.map(() => result(opts.r ? [0.4, 0.6] : [0.6, 0.4], 197 - 8 * opts.r)),
          timing: { ms: inputs.length, source: 'wall' as const },
        };
      },
    } as unknown as Backend & { calls: Array<{ n: number; r: number }> };
  }

  it('holds one batch at a time, skips what does not decode, releases every input it loaded', async () => {
    const images = Array.from({ length: 7 }, (_, i) => ({ path: `${i}.jpg`, label: 0 }));
    const live = new Set<ModelInput>();
    let most = 0;
    const skipped: string[] = [];
    const run = new FolderRun(
      images,
      measureSettings([8], ['constant'], ['merge'], true),
      3,
      {
        async load(img) {
          if (img.path === '4.jpg') throw new Error(`${img.path}: not a readable image`);
          const x = new Float32Array(1);
          live.add(x);
          most = Math.max(most, live.size);
          return x;
        },
        release: (x) => live.delete(x),
      },
      (path, why) => skipped.push(`${path} | ${why}`),
      true,
    );
    const backend = fakeBackend();
    while (await run.step(backend)) expect(run.progress.imagesDone).toBeLessThanOrEqual(7);
    expect(skipped).toEqual(['4.jpg | 4.jpg: not a readable image']);
    expect(most).toBe(3);
    expect(live.size).toBe(0);
    // Two batches of 3 (the second skips the unreadable image and reads on); each at r = 0, then r = 8.
    expect(backend.calls.map((c) => `${c.n}@${c.r}`)).toEqual(['3@0', '3@8', '3@0', '3@8']);
    expect(run.progress).toMatchObject({ imagesDone: 7, imagesTotal: 7, skipped: 1 });
    const [, r8] = run.measure.rows();
    expect(r8).toMatchObject({ n: 6, top1: 0, agreement: 0, meanFinalTokens: 133 });
  });
});

describe('the chart', () => {
  it('one marker per setting with its tooltip, the current one ringed; a standalone SVG file', () => {
    const m = new FolderMeasure(measureSettings([8, 16], ['constant', 'decreasing'], ['merge'], true), false);
    for (let i = 0; i < m.settings.length; i++) m.add(i, [result([0.6, 0.4], 197)], { ms: 10 - i, source: 'wall' }, [undefined]);
    const rows = m.rows();
    const series = measuredSeries(rows, 'my photos', '#fff', 'speedup', (r) => r.r === 16 && r.schedule === 'decreasing');
    const svg = svgDocument(
      tradeoffNodes({ series: [series], xLabel: 'speed-up', yLabel: 'agreement (%)', xFormat: String, yFormat: String, width: 320, height: 170 }),
      320,
      170,
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const titles = [...svg.matchAll(/<title>([^<]*)<\/title>/g)].map((t) => t[1].split(':')[0]);
    expect(titles).toEqual(['r = 0', 'r = 8', 'r = 16', 'r = 8 decreasing', 'r = 16 decreasing']);
    expect(svg).toContain('data-current="16-decreasing-merge"');
    expect((svg.match(/<polyline/g) ?? []).length).toBe(2);
  });
});
