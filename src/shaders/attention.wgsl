// Multi-head self-attention, fused: QK^T * scale + log(size_j) (proportional attention),
// softmax and AV in one pass per query row with an online (running-max) softmax, so no T x T
// score matrix is ever stored. One invocation per (query row, head, image).
// qkv rows are [q | k | v], heads contiguous inside each; the header supplies HD4 = head_dim/4.
struct Dims { T: u32, D: u32, propAttn: u32, scale: f32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> sizes: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let h = gid.y;
  let b = gid.z;
  if (i >= dims.T) { return; }
  let D4 = dims.D / 4u;
  let row4 = 3u * D4;
  let tokBase = b * dims.T;
  var q: array<vec4<f32>, HD4>;
  var acc: array<vec4<f32>, HD4>;
  let qOff = (tokBase + i) * row4 + h * HD4;
  for (var c = 0u; c < HD4; c++) {
    q[c] = qkv[qOff + c] * dims.scale;
    acc[c] = vec4<f32>(0.0);
  }
  var m = -3.0e38;
  var l = 0.0;
  for (var j = 0u; j < dims.T; j++) {
    let kOff = (tokBase + j) * row4 + D4 + h * HD4;
    var d = vec4<f32>(0.0);
    for (var c = 0u; c < HD4; c++) { d += q[c] * qkv[kOff + c]; }
    var s = d.x + d.y + d.z + d.w;
    if (dims.propAttn != 0u) { s += log(sizes[tokBase + j]); }
    if (s > m) {
      let corr = exp(m - s);
      l *= corr;
      for (var c = 0u; c < HD4; c++) { acc[c] *= corr; }
      m = s;
    }
    let p = exp(s - m);
    l += p;
    let vOff = kOff + D4;
    for (var c = 0u; c < HD4; c++) { acc[c] += p * qkv[vOff + c]; }
  }
  let outOff = (tokBase + i) * D4 + h * HD4;
  let inv = 1.0 / l;
  for (var c = 0u; c < HD4; c++) { y[outOff + c] = acc[c] * inv; }
}
