// Multi-head self-attention as three register-tiled passes per (image, head), the shape that
// runs fastest on the CPU adapters here (a fused online-softmax kernel with one query row per
// invocation was ~5x slower per FLOP than the matmuls on llvmpipe):
//  scores:  S = Q K^T * scale + log(size_j) (proportional attention), 4x4 outputs per invocation
//  softmax: each row of S in place, one invocation per row
//  av:      Y = S V, 4 rows x 4 channels per invocation, written at the head's columns
// qkv rows are [q | k | v], heads contiguous inside each; HD4 = head_dim / 4 comes from the
// header. S rows are Tp = T rounded up to 4 wide; padding columns hold -inf, so they get
// probability 0 and the V rows they touch (clamped to T - 1) do not matter.
// sizesOff: where this block's token sizes start in `sizes` (the ToMe state buffer, f32).
// The scores buffer holds a chunk of (image, head) pairs, from pair bh0 on (`rows` = pairs in
// the chunk x T): when a whole batch's scores would not fit one buffer (DINOv2's 1370 tokens),
// a block runs the three passes once per chunk.
struct Dims { T: u32, D: u32, propAttn: u32, scale: f32, Tp: u32, heads: u32, rows: u32, sizesOff: u32, bh0: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> sizes: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

const NEG = -3.0e38;

fn dots(q: vec4<f32>, k0: vec4<f32>, k1: vec4<f32>, k2: vec4<f32>, k3: vec4<f32>) -> vec4<f32> {
  return vec4<f32>(dot(q, k0), dot(q, k1), dot(q, k2), dot(q, k3));
}

@compute @workgroup_size(8, 8)
fn scores(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = dims.T;
  let j0 = gid.x * 4u;
  let i0 = gid.y * 4u;
  let bh = gid.z + dims.bh0;
  if (j0 >= dims.Tp || i0 >= T) { return; }
  let b = bh / dims.heads;
  let h = bh % dims.heads;
  let D4 = dims.D / 4u;
  let row4 = 3u * D4;
  let tok = b * T;
  let last = T - 1u;
  let q0 = (tok + i0) * row4 + h * HD4;
  let q1 = (tok + min(i0 + 1u, last)) * row4 + h * HD4;
  let q2 = (tok + min(i0 + 2u, last)) * row4 + h * HD4;
  let q3 = (tok + min(i0 + 3u, last)) * row4 + h * HD4;
  let k0 = (tok + min(j0, last)) * row4 + D4 + h * HD4;
  let k1 = (tok + min(j0 + 1u, last)) * row4 + D4 + h * HD4;
  let k2 = (tok + min(j0 + 2u, last)) * row4 + D4 + h * HD4;
  let k3 = (tok + min(j0 + 3u, last)) * row4 + D4 + h * HD4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var c = 0u; c < HD4; c++) {
    let a = qkv[k0 + c];
    let bb = qkv[k1 + c];
    let cc = qkv[k2 + c];
    let d = qkv[k3 + c];
    c0 += dots(qkv[q0 + c], a, bb, cc, d);
    c1 += dots(qkv[q1 + c], a, bb, cc, d);
    c2 += dots(qkv[q2 + c], a, bb, cc, d);
    c3 += dots(qkv[q3 + c], a, bb, cc, d);
  }
  var bias = vec4<f32>(0.0);
  var pad = vec4<bool>(false);
  for (var k = 0u; k < 4u; k++) {
    if (j0 + k >= T) {
      pad[k] = true;
    } else if (dims.propAttn != 0u) {
      bias[k] = log(sizes[dims.sizesOff + tok + j0 + k]);
    }
  }
  let Tp4 = dims.Tp / 4u;
  let out = (gid.z * T + i0) * Tp4 + gid.x;
  let neg = vec4<f32>(NEG);
  s[out] = select(c0 * dims.scale + bias, neg, pad);
  if (i0 + 1u < T) { s[out + Tp4] = select(c1 * dims.scale + bias, neg, pad); }
  if (i0 + 2u < T) { s[out + 2u * Tp4] = select(c2 * dims.scale + bias, neg, pad); }
  if (i0 + 3u < T) { s[out + 3u * Tp4] = select(c3 * dims.scale + bias, neg, pad); }
}

@compute @workgroup_size(64)
fn softmax(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.x;
  if (row >= dims.rows) { return; }
  let Tp4 = dims.Tp / 4u;
  let base = row * Tp4;
  var m = vec4<f32>(NEG);
  for (var j = 0u; j < Tp4; j++) { m = max(m, s[base + j]); }
  let mx = max(max(m.x, m.y), max(m.z, m.w));
  var sum = vec4<f32>(0.0);
  for (var j = 0u; j < Tp4; j++) {
    let e = exp(s[base + j] - mx);
    s[base + j] = e;
    sum += e;
  }
  let inv = 1.0 / (sum.x + sum.y + sum.z + sum.w);
  for (var j = 0u; j < Tp4; j++) { s[base + j] *= inv; }
}

@compute @workgroup_size(8, 8)
fn av(@builtin(global_invocation_id) gid: vec3<u32>) {
  let T = dims.T;
  let n4 = gid.x;
  let i0 = gid.y * 4u;
  let bh = gid.z + dims.bh0;
  if (n4 >= HD4 || i0 >= T) { return; }
  let b = bh / dims.heads;
  let h = bh % dims.heads;
  let D4 = dims.D / 4u;
  let row4 = 3u * D4;
  let tok = b * T;
  let last = T - 1u;
  let Tp4 = dims.Tp / 4u;
  let p0 = (gid.z * T + i0) * Tp4;
  let p1 = (gid.z * T + min(i0 + 1u, last)) * Tp4;
  let p2 = (gid.z * T + min(i0 + 2u, last)) * Tp4;
  let p3 = (gid.z * T + min(i0 + 3u, last)) * Tp4;
  let vCol = 2u * D4 + h * HD4 + n4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var j4 = 0u; j4 < Tp4; j4++) {
    let j = j4 * 4u;
    let v0 = qkv[(tok + j) * row4 + vCol];
    let v1 = qkv[(tok + min(j + 1u, last)) * row4 + vCol];
    let v2 = qkv[(tok + min(j + 2u, last)) * row4 + vCol];
    let v3 = qkv[(tok + min(j + 3u, last)) * row4 + vCol];
    let a0 = s[p0 + j4];
    let a1 = s[p1 + j4];
    let a2 = s[p2 + j4];
    let a3 = s[p3 + j4];
    c0 += a0.x * v0 + a0.y * v1 + a0.z * v2 + a0.w * v3;
    c1 += a1.x * v0 + a1.y * v1 + a1.z * v2 + a1.w * v3;
    c2 += a2.x * v0 + a2.y * v1 + a2.z * v2 + a2.w * v3;
    c3 += a3.x * v0 + a3.y * v1 + a3.z * v2 + a3.w * v3;
  }
  let out = (tok + i0) * D4 + h * HD4 + n4;
  y[out] = c0;
  if (i0 + 1u < T) { y[out + D4] = c1; }
  if (i0 + 2u < T) { y[out + 2u * D4] = c2; }
  if (i0 + 3u < T) { y[out + 3u * D4] = c3; }
}
