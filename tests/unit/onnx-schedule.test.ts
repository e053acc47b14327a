// The ONNX Runtime peer at any schedule: the official ToMe export (r = 13) rewritten block by
// block (bench/peers/onnx-schedule.ts) must compute the official outputs of the other settings
// (../shared/golden): constant r below and above 13, r clamped in the last block (r = 16), the
// decreasing schedule whose last block merges nothing, and no merge at all.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { goldenRefs } from '../../bench/peers/golden-check';
import { officialGraphAtSchedule } from '../../bench/peers/onnx-schedule';
import { EXPORTED_R, onnxGraphPath, openOrtNodePeer, peerGraph, type OrtNodePeer } from '../../bench/peers/ort-node';
import { goldenCaseName, type PeerSetting } from '../../bench/peers/peer-settings';
import { effectiveR, rPerLayer } from '../../src/core/tome';
import { goldenDir, sharedPath } from '../../src/golden';
import { ViTGraphBuilder } from '../../src/ort/vit-graph';
import { loadModel } from '../support/golden-weights';

const VIT = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const config = loadModel(VIT).config;
const exported = readFileSync(onnxGraphPath(sharedPath('onnx'), VIT, EXPORTED_R));
const opened: OrtNodePeer[] = [];
afterAll(() => Promise.all(opened.map((p) => p.dispose())));

describe('the official ToMe graph rewritten to another schedule', () => {
  const settings: PeerSetting[] = [
    { r: 4, schedule: 'constant' },
    { r: 16, schedule: 'constant' }, // 16 per block, clamped to 10 in the last
    { r: 16, schedule: 'decreasing' }, // 32, 29, ..., 2, 0: the last block's merge cut out
    { r: 0, schedule: 'constant' }, // every block's merge cut out
  ];
  it.each(settings)('matches the official outputs at r = $r $schedule', async (s) => {
    const graph = officialGraphAtSchedule(exported, EXPORTED_R, effectiveR(196, rPerLayer(config.depth, s.r, s.schedule)));
    const p = await openOrtNodePeer('ort-cpu', s, graph, goldenRefs(goldenDir(), VIT, goldenCaseName(s)), 1);
    opened.push(p);
    expect(p.check.error).toBeUndefined();
    expect(p.check.ok).toBe(true);
    expect(p.check.maxDiff).toBeLessThan(1e-4);
  });

  it('gives the exported files as they are at their own settings, else the rewrite', () => {
    expect(peerGraph(sharedPath('onnx'), config, { r: 16, schedule: 'decreasing' })).toBeInstanceOf(Uint8Array);
    expect(peerGraph(sharedPath('onnx'), config, { r: 13, schedule: 'constant' })).toBe(onnxGraphPath(sharedPath('onnx'), VIT, 13));
    expect(peerGraph(sharedPath('onnx'), config, { r: 0, schedule: 'constant' })).toBe(onnxGraphPath(sharedPath('onnx'), VIT, 0));
  });

  it('refuses a schedule of the wrong depth, and a graph that is not the official export', () => {
    const rs = effectiveR(196, rPerLayer(config.depth, 8, 'constant'));
    expect(() => officialGraphAtSchedule(exported, EXPORTED_R, rs.slice(1))).toThrow(/schedule has 11 blocks, the graph 12/);
    // The export at r = 13 read as if it were at r = 12: no block has that constant.
    expect(() => officialGraphAtSchedule(exported, 12, rs)).toThrow(/not the official ToMe export/);
    expect(() => officialGraphAtSchedule(new ViTGraphBuilder(loadModel(VIT)).build(true), EXPORTED_R, rs)).toThrow(/not a timm export/);
  });
});
