// ToMe's similarity metric: the keys averaged over heads, then L2-normalised, one invocation
// per token. qkv rows are [q | k | v]; the metric has head_dim columns.
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> metric: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= tm.T * tm.batch) { return; }
  let D4 = tm.D / 4u;
  let hd4 = tm.hd / 4u;
  let kBase = t * 3u * D4 + D4;
  var sq = vec4<f32>(0.0);
  for (var c = 0u; c < hd4; c++) {
    var s = vec4<f32>(0.0);
    for (var h = 0u; h < tm.heads; h++) { s += qkv[kBase + h * hd4 + c]; }
    s = s / f32(tm.heads);
    metric[t * hd4 + c] = s;
    sq += s * s;
  }
  let inv = 1.0 / sqrt(sq.x + sq.y + sq.z + sq.w);
  for (var c = 0u; c < hd4; c++) { metric[t * hd4 + c] *= inv; }
}
