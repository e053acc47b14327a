// The official ToMe implementation's accuracy on the 1000 sample photos, which bench/folder-chart.ts
// draws beside ours. The figures exist only in prose, in the shared data's
// `../shared/eval/imagenet-samples/README.md` ("Reference numbers (official ToMe on a reference
// PyTorch ViT, timm preprocessing), top-1/top-5"; the ViT-Ti line is repeated in
// `../shared/README.md`), so they are copied here; tests/unit/official-eval.test.ts parses that
// README and checks this table against it.

/** Top-1 / top-5 (%) of the official implementation (facebookresearch/ToMe on timm) on the same
 * 1000 photos, per model and setting ("r schedule"). */
export const OFFICIAL: Record<string, Record<string, [number, number]>> = {
  'vit_tiny_patch16_224.augreg_in21k_ft_in1k': {
    '0 constant': [82.8, 96.4],
    '4 constant': [82.6, 96.2],
    '8 constant': [82.2, 95.8],
    '13 constant': [81.2, 94.7],
    '16 constant': [79.0, 93.7],
    '16 decreasing': [57.4, 79.7],
  },
  'deit_tiny_patch16_224.lnq': { '0 constant': [79.5, 94.8], '13 constant': [76.8, 93.8] },
};

/** The README's short names of the models, in the order its prose lists them. */
export const OFFICIAL_README_NAMES: Record<string, string> = {
  'vit_tiny augreg': 'vit_tiny_patch16_224.augreg_in21k_ft_in1k',
  'deit_tiny lnq': 'deit_tiny_patch16_224.lnq',
};

/** Parses the "Reference numbers" paragraph of the eval set's README into OFFICIAL's shape:
 * `<short name>: r=0 82.8/96.4, r=16 decreasing 57.4/79.7, ...` per model. */
export function parseOfficialReadme(text: string): Record<string, Record<string, [number, number]>> {
  const start = text.indexOf('Reference numbers');
  if (start < 0) throw new Error('no "Reference numbers" paragraph');
  const para = text
    .slice(start)
    .split(/\n\s*\n|\n- /)[0]
    .replace(/\s+/g, ' ');
  const out: Record<string, Record<string, [number, number]>> = {};
  const names = Object.keys(OFFICIAL_README_NAMES);
  for (const name of names) {
    const at = para.indexOf(`${name}:`);
    if (at < 0) continue;
    const ends = names.map((n) => para.indexOf(`${n}:`, at + 1)).filter((i) => i > at);
    const body = para.slice(at + name.length + 1, ends.length ? Math.min(...ends) : undefined);
    const model = OFFICIAL_README_NAMES[name];
    out[model] = {};
    for (const m of body.matchAll(/r=(\d+)( decreasing)? (\d+(?:\.\d+)?)\/(\d+(?:\.\d+)?)/g)) {
      out[model][`${m[1]} ${m[2] ? 'decreasing' : 'constant'}`] = [Number(m[3]), Number(m[4])];
    }
  }
  return out;
}
