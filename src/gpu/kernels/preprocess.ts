// Pillow-exact resample + normalisation on the GPU (preprocess.wgsl), two passes sharing one
// uniform struct: the horizontal pass over the uploaded source rows the crop reads, then the
// vertical pass writing normalised CHW floats. Offsets are in elements: `taps` holds six i32
// tables (column starts, tap counts, weights; the same for rows); `out_offset` is the image's
// first float in `out`.
import { ceilDiv, uniformStruct, type KernelDescriptor } from './descriptor';

export const preprocessUniform = uniformStruct('Params', {
  src_width: 'u32',
  src_rows: 'u32',
  size: 'u32',
  k_cols: 'u32',
  k_rows: 'u32',
  out_offset: 'u32',
  cols_start: 'u32',
  cols_taps: 'u32',
  cols_weights: 'u32',
  rows_start: 'u32',
  rows_taps: 'u32',
  rows_weights: 'u32',
});

type Fields = typeof preprocessUniform.fields;

const common = { family: 'preprocess', sources: ['preprocess'], uniform: preprocessUniform, workgroup: [8, 8] } as const;

export const preprocessHorizontalKernel: KernelDescriptor<Fields, 'src' | 'taps' | 'temp'> = {
  ...common,
  name: 'preprocess.horizontal',
  entry: 'horizontal',
  bindings: { src: 1, taps: 2, temp: 3 },
  // One invocation per (crop column, uploaded source row).
  groups: (u) => [ceilDiv(u.size, 8), ceilDiv(u.src_rows, 8), 1],
};

export const preprocessVerticalKernel: KernelDescriptor<Fields, 'taps' | 'temp_in' | 'lut' | 'out'> = {
  ...common,
  name: 'preprocess.vertical',
  entry: 'vertical',
  bindings: { taps: 2, temp_in: 4, lut: 5, out: 6 },
  // One invocation per output pixel.
  groups: (u) => [ceilDiv(u.size, 8), ceilDiv(u.size, 8), 1],
};
