// GPU preprocessing of a 640x480 photo to the model's crop: the horizontal pass over the source
// rows the crop reads, then the vertical pass with the normalisation, each timed alone on the
// tables the engine would upload.
import { normalizeLut, resamplePlan } from '../../src/core/preprocess';
import { compileKernel, preprocessHorizontalKernel, preprocessVerticalKernel, standaloneDispatch } from '../../src/gpu/kernels';
import { columnWindow, packPlan } from '../../src/gpu/preprocess';
import { BufferSet, timeDispatch, type FamilyBench } from './harness';

const WIDTH = 640;
const HEIGHT = 480;

export const preprocessBench: FamilyBench = {
  family: 'preprocess',
  async run(ctx, c) {
    const { device, src: sources } = ctx;
    const [horizontal, vertical] = await Promise.all([
      compileKernel(device, sources, preprocessHorizontalKernel),
      compileKernel(device, sources, preprocessVerticalKernel),
    ]);
    const S = c.imgSize;
    // Photos are rescaled for the smaller crops below 224 (the tiny test model): keep the
    // source at least the crop's size.
    const plan = resamplePlan(Math.max(WIDTH, S), Math.max(HEIGHT, S), c);
    const { colFirst, colEnd } = columnWindow(plan);
    const nCols = colEnd - colFirst;
    const nRows = plan.rowEnd - plan.rowFirst;
    const { params, taps } = packPlan(plan, S, 0, colFirst, nCols);
    const b = new BufferSet(device);
    const tapBuf = b.data(taps);
    const temp = b.zeros(nRows * S);
    const pixels = Uint32Array.from({ length: nRows * nCols }, (_, i) => (i * 2654435761) >>> 0);
    const h = standaloneDispatch(device, horizontal, params, { src: b.data(pixels), taps: tapBuf, temp });
    const v = standaloneDispatch(device, vertical, params, { taps: tapBuf, temp_in: temp, lut: b.data(normalizeLut(c)), out: b.zeros(3 * S * S) });
    [h, v].forEach((d) => b.keep(d.uniform));
    const id = (kernel: string, what: string) => ({ family: 'preprocess' as const, kernel, what });
    // Per image (the engine records one preprocessing per image); bytes: each pass's input
    // read once and its output written once.
    const out = [
      await timeDispatch(ctx, h, id(horizontal.desc.name, `${nCols}x${nRows} window -> ${S}x${nRows}`), { bytes: (nCols + S) * nRows * 4 }),
      await timeDispatch(ctx, v, id(vertical.desc.name, `${S}x${nRows} -> 3x${S}x${S} floats`), { bytes: (S * nRows + 3 * S * S) * 4 }),
    ];
    b.destroy();
    return out;
  },
};
