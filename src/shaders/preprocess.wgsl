// Preprocessing on the GPU: Pillow's separable 8-bit resample of the S x S center crop, then
// the per-channel normalisation, written as float32 CHW into the model's input buffer.
// Bit-exact with the CPU reference (src/reference/preprocess.ts): the fixed-point windows come from
// the shared rules in src/core/preprocess.ts (uploaded in `taps`), every sum is i32 exactly as
// in Pillow's C, each pass is rounded to 8 bits, and the normalisation is a table lookup
// because WGSL's f32 division is not correctly rounded. Two entry points, each within the GL route's 4 storage buffers per stage.

struct Params {
  src_width: u32,     // pixels per uploaded source row
  src_rows: u32,      // source rows uploaded (only those the crop reads)
  size: u32,          // S: crop width and height
  k_cols: u32,        // stride of a column window in `taps`
  k_rows: u32,        // stride of a row window in `taps`
  out_offset: u32,    // first float of this image in `out`
  cols_start: u32,    // offsets (in i32 elements) of the six tables in `taps`
  cols_taps: u32,
  cols_weights: u32,
  rows_start: u32,
  rows_taps: u32,
  rows_weights: u32,
}

const HALF: i32 = 1 << 21;       // 1 << (PRECISION_BITS - 1): Pillow's rounding offset
const PRECISION_BITS: u32 = 22u; // 32 - 8 - 2

@group(0) @binding(0) var<uniform> p: Params;
// RGBA8 pixels packed little-endian in u32 (R in the low byte): the source window the crop
// reads, rows [rowFirst, rowEnd) x columns [colFirst, colEnd), src_width pixels per row.
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> taps: array<i32>;
// Horizontal pass result: S columns x src_rows rows, RGB packed like `src`.
@group(0) @binding(3) var<storage, read_write> temp: array<u32>;
@group(0) @binding(4) var<storage, read> temp_in: array<u32>;
// 3 x 256 normalised values: lut[c * 256 + v] = (v / 255 - mean[c]) / std[c] in float32.
@group(0) @binding(5) var<storage, read> lut: array<f32>;
@group(0) @binding(6) var<storage, read_write> out: array<f32>;

fn channel(px: u32, c: u32) -> i32 {
  return i32((px >> (8u * c)) & 0xffu);
}

// Pillow's clip8: arithmetic shift, then clamp to a byte.
fn clip8(acc: i32) -> u32 {
  return u32(clamp(acc >> PRECISION_BITS, 0, 255));
}

@compute @workgroup_size(8, 8)
fn horizontal(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let r = gid.y;
  if (j >= p.size || r >= p.src_rows) {
    return;
  }
  let start = taps[p.cols_start + j];
  let n = taps[p.cols_taps + j];
  let w_base = p.cols_weights + j * p.k_cols;
  let row_base = r * p.src_width + u32(start);
  var a0 = HALF;
  var a1 = HALF;
  var a2 = HALF;
  for (var k = 0; k < n; k++) {
    let w = taps[w_base + u32(k)];
    let px = src[row_base + u32(k)];
    a0 += channel(px, 0u) * w;
    a1 += channel(px, 1u) * w;
    a2 += channel(px, 2u) * w;
  }
  temp[r * p.size + j] = clip8(a0) | (clip8(a1) << 8u) | (clip8(a2) << 16u);
}

@compute @workgroup_size(8, 8)
fn vertical(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  let i = gid.y;
  if (j >= p.size || i >= p.size) {
    return;
  }
  let start = taps[p.rows_start + i];
  let n = taps[p.rows_taps + i];
  let w_base = p.rows_weights + i * p.k_rows;
  var a0 = HALF;
  var a1 = HALF;
  var a2 = HALF;
  for (var k = 0; k < n; k++) {
    let w = taps[w_base + u32(k)];
    let px = temp_in[(u32(start) + u32(k)) * p.size + j];
    a0 += channel(px, 0u) * w;
    a1 += channel(px, 1u) * w;
    a2 += channel(px, 2u) * w;
  }
  let plane = p.size * p.size;
  let o = p.out_offset + i * p.size + j;
  out[o] = lut[clip8(a0)];
  out[o + plane] = lut[256u + clip8(a1)];
  out[o + 2u * plane] = lut[512u + clip8(a2)];
}
