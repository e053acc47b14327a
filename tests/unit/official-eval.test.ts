// The official figures bench/folder-chart.ts draws beside ours: the table in bench/official-eval.ts
// must say what the eval set's README (../shared/eval/imagenet-samples/README.md) says.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { sharedPath } from '../../src/golden';
import { OFFICIAL, parseOfficialReadme } from '../../bench/official-eval';

describe('the official ToMe figures on the 1000 sample photos', () => {
  it('parses the README prose', () => {
    const text =
      'x\n- Reference numbers (official), top-1/top-5:\n  vit_tiny augreg: r=0 82.8/96.4, r=16\n  decreasing 57.4/79.7. deit_tiny lnq: r=13 76.8/93.8.\n- Terms: r=1 1/1';
    expect(parseOfficialReadme(text)).toEqual({
      'vit_tiny_patch16_224.augreg_in21k_ft_in1k': { '0 constant': [82.8, 96.4], '16 decreasing': [57.4, 79.7] },
      'deit_tiny_patch16_224.lnq': { '13 constant': [76.8, 93.8] },
    });
  });

  it('equal the table folder-chart draws', () => {
    const readme = readFileSync(sharedPath('eval', 'imagenet-samples', 'README.md'), 'utf8');
    expect(parseOfficialReadme(readme)).toEqual(OFFICIAL);
  });
});
