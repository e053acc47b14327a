// The one reader of the shared reference data (src/golden): where it is (../shared or
// TOME_SHARED_DIR), both golden sets through the same types, and the .f32 files they name.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  goldenArchsDir,
  goldenDir,
  hasLogits,
  logitsEntries,
  readF32,
  readGoldenArchsCases,
  readGoldenCases,
  readGoldenF32,
  SHARED_DIR_ENV,
  sharedDir,
} from '../../src/golden';

const envBefore = process.env[SHARED_DIR_ENV];
afterEach(() => {
  if (envBefore === undefined) delete process.env[SHARED_DIR_ENV];
  else process.env[SHARED_DIR_ENV] = envBefore;
});

describe('shared data location', () => {
  it('is shared/ beside the project unless TOME_SHARED_DIR says otherwise', () => {
    delete process.env[SHARED_DIR_ENV];
    expect(sharedDir()).toBe(join(__dirname, '..', '..', '..', 'shared'));
    const elsewhere = mkdtempSync(join(tmpdir(), 'tome-shared-'));
    process.env[SHARED_DIR_ENV] = elsewhere;
    expect(sharedDir()).toBe(elsewhere);
    expect(goldenDir()).toBe(join(elsewhere, 'golden'));
    expect(goldenArchsDir()).toBe(join(elsewhere, 'golden-archs'));
  });

  it('refuses a folder whose cases.json is not a golden cases file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tome-golden-'));
    writeFileSync(join(dir, 'cases.json'), JSON.stringify({ entries: [] }));
    expect(() => readGoldenCases(dir)).toThrow(/cases\.json: not a golden cases file/);
  });
});

describe('golden/: the two real models', () => {
  const entries = logitsEntries();

  it('has every case with logits and top-5, and files of the sizes they claim', () => {
    expect(entries).toHaveLength(16);
    expect(entries.flatMap((e) => e.cases)).toHaveLength(64);
    const models = readGoldenCases().models;
    for (const e of entries) {
      expect(models[e.model].preprocess.crop).toBe(224);
      expect(readGoldenF32(e.input)).toHaveLength(3 * 224 * 224);
      for (const c of e.cases) {
        expect(c.top5).toHaveLength(5);
        expect(readGoldenF32(c.logits)).toHaveLength(1000);
      }
    }
    expect(logitsEntries({ model: 'deit_tiny_patch16_224.lnq' })).toHaveLength(8);
  });
});

describe('golden-archs/: six more families in the same format', () => {
  const set = readGoldenArchsCases();

  it('types the architecture facts of every model', () => {
    const dino = set.models['vit_small_patch14_reg4_dinov2.rand'];
    expect(dino).toMatchObject({ registers: 4, class_token: true, head: false, output: 'features', num_features: 384, patch_grid: [37, 37] });
    expect(set.models['vit_betwixt_patch16_reg4_gap_256.rand']).toMatchObject({ class_token: false, global_pool: 'avg', fc_norm: true });
    expect(set.models['vit_base_patch32_clip_quickgelu_224.rand']).toMatchObject({ act: 'QuickGELU', pre_norm: true, num_classes: 512 });
  });

  it('tells logits cases from features cases, and each file has the length its model gives', () => {
    for (const e of set.entries) {
      const m = set.models[e.model];
      const size = m.patch_size * m.patch_grid[0];
      expect(readGoldenF32(e.input, goldenArchsDir()), e.input).toHaveLength(3 * size * size);
      for (const c of e.cases) {
        expect(hasLogits(c), `${e.model} ${c.name}`).toBe(m.output === 'logits');
        const file = hasLogits(c) ? c.logits : c.features;
        expect(readGoldenF32(file, goldenArchsDir()), file).toHaveLength(hasLogits(c) ? m.num_classes : m.num_features);
        expect(c.tokens).toHaveLength(m.depth + 1);
      }
    }
  });

  it('refuses to hand out a features case as a logits one', () => {
    expect(logitsEntries({ dir: goldenArchsDir(), model: 'deit3_small_patch16_224.rand' })).toHaveLength(2);
    expect(() => logitsEntries({ dir: goldenArchsDir() })).toThrow(/has features, not logits/);
  });
});

describe('readF32', () => {
  it('reads float32 little-endian and refuses a file cut inside a value', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tome-f32-'));
    writeFileSync(join(dir, 'ok.f32'), Buffer.from(new Float32Array([1.5, -2, 3e-5]).buffer));
    expect(Array.from(readF32(join(dir, 'ok.f32')))).toEqual([1.5, -2, Math.fround(3e-5)]);
    writeFileSync(join(dir, 'cut.f32'), Buffer.alloc(10));
    expect(() => readF32(join(dir, 'cut.f32'))).toThrow(/10 bytes, not a whole number of float32/);
  });
});
