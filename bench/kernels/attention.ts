// The three attention passes of the first block (all T0 tokens), in the forward's order so
// each pass reads what the previous one wrote: one chunk of (image, head) pairs, every pair of
// the batch unless their scores exceed the engine's scores buffer (attentionChunk).
import { headDim, numPatches, prefixTokens } from '../../src/model/config';
import { attentionChunk } from '../../src/gpu/budget';
import { attentionAvKernel, attentionScoresKernel, attentionSoftmaxKernel, compileKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

export const attentionBench: FamilyBench = {
  family: 'attention',
  async run(ctx, c, batch) {
    const { device, src } = ctx;
    const hd = headDim(c);
    const D = c.embedDim;
    const T = numPatches(c) + prefixTokens(c);
    const Tp = Math.ceil(T / 4) * 4;
    const bh = attentionChunk(c, batch);
    const [scores, softmax, av] = await Promise.all([
      compileKernel(device, src, attentionScoresKernel, { headDim: hd }),
      compileKernel(device, src, attentionSoftmaxKernel, { headDim: hd }),
      compileKernel(device, src, attentionAvKernel, { headDim: hd }),
    ]);
    const u = { T, D, propAttn: 1, scale: 1 / Math.sqrt(hd), Tp, heads: c.numHeads, rows: bh * T, sizesOff: 0, bh0: 0 };
    const b = new BufferSet(device);
    const qkv = b.random(batch * T * 3 * D, 1);
    const s = b.zeros(bh * T * Tp);
    const sizes = b.data(new Float32Array(batch * T).fill(1));
    const dispatches = [
      standaloneDispatch(device, scores, u, { qkv, sizes, s }),
      standaloneDispatch(device, softmax, u, { s }),
      standaloneDispatch(device, av, u, { qkv, s, y: b.zeros(batch * T * D) }),
    ];
    dispatches.forEach((d) => b.keep(d.uniform));
    const shape = `${bh} heads x ${T} tokens x ${hd}`;
    const qk = 2 * bh * T * T * hd;
    const out = [
      await timeDispatch(ctx, dispatches[0], { family: 'attention', kernel: scores.desc.name, what: `Q K^T: ${shape}` }, { flops: qk }),
      // The rows of S read and written once.
      await timeDispatch(
        ctx,
        dispatches[1],
        { family: 'attention', kernel: softmax.desc.name, what: `softmax: ${bh * T} rows x ${Tp}` },
        { bytes: 2 * bh * T * Tp * 4 },
      ),
      await timeDispatch(ctx, dispatches[2], { family: 'attention', kernel: av.desc.name, what: `S V: ${shape}` }, { flops: qk }),
    ];
    b.destroy();
    return out;
  },
};
