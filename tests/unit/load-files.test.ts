// A model from two local files (src/model/load-files.ts, the page's local-folder path): the same
// weights as reading the folder in Node, and one line naming the file for each bad input.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { weightsFromBytes, weightsFromFiles } from '../../src/model/load-files';
import { readTimmDir } from '../../src/model/timm-dir';
import { hubConfig, SPECS, writeTimmModel } from '../support/timm-models';

let dir: string;
let config: string;
let weights: Uint8Array;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tome-load-files-'));
  writeTimmModel(dir, SPECS.smallDistilled, 5);
  config = readFileSync(join(dir, 'config.json'), 'utf8');
  weights = new Uint8Array(readFileSync(join(dir, 'model.safetensors')));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('weightsFromFiles', () => {
  it('reads the same model as the Node folder reader, and its sha256', async () => {
    const { weights: w, sha256 } = await weightsFromFiles('mine', new Blob([config]), new Blob([weights as BlobPart]));
    expect(sha256).toBe(createHash('sha256').update(weights).digest('hex'));
    const ref = readTimmDir(dir, { id: 'mine' });
    expect(w.config).toEqual(ref.config);
    expect([...w.tensors.keys()]).toEqual([...ref.tensors.keys()]);
    for (const [name, t] of ref.tensors) expect(w.tensors.get(name)!.data).toEqual(t.data);
  });

  it.each<[string, () => [string, Uint8Array], RegExp]>([
    ['config.json not JSON', () => ['{ nope', weights], /^mine\/config\.json: not valid JSON/],
    ['config.json an array', () => ['[1, 2]', weights], /^mine\/config\.json: not a JSON object$/],
    [
      'an unsupported architecture',
      () => [JSON.stringify({ ...JSON.parse(config), architecture: 'vit_base_patch16_siglip_224' }), weights],
      /^mine\/config\.json: vit_base_patch16_siglip_224 uses attention pooling without a class token \(SigLIP/,
    ],
    [
      'a config that disagrees with the tensors',
      () => [JSON.stringify(hubConfig({ ...SPECS.smallDistilled, modelArgs: { ...SPECS.smallDistilled.modelArgs, embed_dim: 48 } })), weights],
      /^mine\/model\.safetensors: tensor patch_embed\.proj\.weight has shape \[32,3,8,8\], config implies \[48,3,8,8\] \(config\.json and the weights disagree\)$/,
    ],
    [
      'a plain config for distilled tensors',
      () => [JSON.stringify(hubConfig(SPECS.smallVit)), weights],
      /^mine\/model\.safetensors: tensor dist_token \(.+\) is not part of vit_tiny_patch16_224 \(D=32, depth 2\)/,
    ],
    [
      'truncated weights',
      () => [config, weights.subarray(0, weights.length - 100)],
      /^mine\/model\.safetensors: tensor \S+ runs past the end of the file \(truncated\)$/,
    ],
    ['not safetensors at all', () => [config, new TextEncoder().encode('hello')], /^mine\/model\.safetensors: too short to be a safetensors file/],
  ])('%s: one line naming the file', (_, input, re) => {
    const [text, bytes] = input();
    expect(() => weightsFromBytes('mine', text, bytes)).toThrow(re);
  });
});
