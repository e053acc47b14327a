import { describe, expect, it } from 'vitest';
import { DEFAULT_MODEL, parseArgs, UsageError } from '../../src/cli/args';

describe('CLI argument parsing', () => {
  it('classify defaults follow the CLI contract', () => {
    const o = parseArgs(['classify', 'a.jpg']);
    expect(o).toMatchObject({ model: DEFAULT_MODEL, rs: [0], schedules: ['constant'], modes: ['merge'], backend: 'auto' });
    // Proportional attention follows the model unless asked (off for average-pooled models).
    expect(o.propAttn).toBeUndefined();
    expect(parseArgs(['classify', '--prop-attn', 'x']).propAttn).toBe(true);
  });
  it('parses every classify option', () => {
    const o = parseArgs([
      'classify',
      '--model',
      'm',
      '--r',
      '13',
      '--schedule',
      'decreasing',
      '--no-prop-attn',
      '--mode',
      'prune',
      '--backend',
      'cpu',
      '--logits',
      'a',
      'b',
    ]);
    expect(o).toMatchObject({
      model: 'm',
      rs: [13],
      schedules: ['decreasing'],
      propAttn: false,
      modes: ['prune'],
      backend: 'cpu',
      logits: true,
      positional: ['a', 'b'],
    });
  });
  it('eval takes an r list, labels and a limit', () => {
    const o = parseArgs(['eval', 'dir', '--r', '0,8,13', '--labels', 'l.tsv', '--limit', '5']);
    expect(o).toMatchObject({ rs: [0, 8, 13], labels: 'l.tsv', limit: 5, positional: ['dir'] });
  });
  it('eval takes lists of schedules and modes, no labels, and an output folder', () => {
    const o = parseArgs(['eval', 'dir', '--schedule', 'constant,decreasing', '--mode', 'merge,prune', '--labels', 'none', '--out', 'o']);
    expect(o).toMatchObject({ schedules: ['constant', 'decreasing'], modes: ['merge', 'prune'], labels: 'none', out: 'o' });
  });
  it('bench measures both schedules and batches 1 and 8 by default', () => {
    const o = parseArgs(['bench']);
    expect(o).toMatchObject({ rs: [0, 4, 8, 13, 16], schedules: ['constant', 'decreasing'], batches: [1, 8] });
  });
  it.each([
    [['classify', '--r', '-1', 'a']],
    [['classify', '--r', 'x', 'a']],
    [['classify', '--schedule', 'linear', 'a']],
    [['classify', '--mode', 'drop', 'a']],
    [['classify', '--mode', 'merge,prune', 'a']],
    [['eval', 'dir', '--mode', 'merge,drop']],
    [['classify', '--backend', 'cuda', 'a']],
    [['classify']],
    [['classify', '--bogus', 'a']],
    [['eval']],
    [['frobnicate']],
  ])('rejects %j', (argv) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
  });
});
