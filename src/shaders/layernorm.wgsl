// LayerNorm over the last dim, one invocation per row (rows are short: D/4 vec4s), two-pass
// mean/variance for accuracy. `inStride` and `perImage` let the final norm read only the first
// `perImage` rows of every image (the class token, and the distillation token of a distilled
// model): output row r reads input row (r / perImage) * inStride + r % perImage; output rows
// are compact. Every row: inStride = perImage = 1.
// Params buffer: gamma [D] then beta [D].
struct Dims { rows: u32, D: u32, inStride: u32, perImage: u32, eps: f32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> params: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let row = gid.x;
  if (row >= dims.rows) { return; }
  let D4 = dims.D / 4u;
  let src = ((row / dims.perImage) * dims.inStride + row % dims.perImage) * D4;
  var s = vec4<f32>(0.0);
  for (var i = 0u; i < D4; i++) { s += x[src + i]; }
  let mean = (s.x + s.y + s.z + s.w) / f32(dims.D);
  var q = vec4<f32>(0.0);
  for (var i = 0u; i < D4; i++) {
    let d = x[src + i] - mean;
    q += d * d;
  }
  let inv = inverseSqrt((q.x + q.y + q.z + q.w) / f32(dims.D) + dims.eps);
  let dst = row * D4;
  for (var i = 0u; i < D4; i++) {
    y[dst + i] = (x[src + i] - mean) * inv * params[i] + params[D4 + i];
  }
}
