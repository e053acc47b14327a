// Bipartite soft matching, in three entry points (separate dispatches, since each needs the
// previous one's results for the whole image):
//  similarity: cosine A x B fused with the argmax: each A token keeps its best B and score.
//  rank:       merged iff rank < r, rank_i = #{j : s_j > s_i or (s_j == s_i and j < i)},
//              a deterministic parallel top-r (ties broken by the lower index).
//  order:      new index of every old token: unmerged A keep their order (cls first), then B;
//              a merged source takes the new index of its destination.
@group(0) @binding(1) var<storage, read> metric: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> plan: array<i32>;

@compute @workgroup_size(64)
fn similarity(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.z;
  if (i >= numA()) { return; }
  let hd4 = tm.hd / 4u;
  let aBase = (b * tm.T + 2u * i) * hd4;
  var best = -3.0e38;
  var bestJ = 0u;
  for (var j = 0u; j < numB(); j++) {
    let bBase = (b * tm.T + 2u * j + 1u) * hd4;
    var d = vec4<f32>(0.0);
    for (var c = 0u; c < hd4; c++) { d += metric[aBase + c] * metric[bBase + c]; }
    let s = d.x + d.y + d.z + d.w;
    if (s > best) { best = s; bestJ = j; }
  }
  // The cls token may never be a source: its score is -inf (below any cosine).
  if (i == 0u) { best = -3.0e38; }
  plan[scoreAt(b) + i] = bitcast<i32>(best);
  plan[dstAt(b) + i] = i32(bestJ);
}

@compute @workgroup_size(64)
fn rank(@builtin(global_invocation_id) gid: vec3<u32>) {
  let i = gid.x;
  let b = gid.z;
  if (i >= numA()) { return; }
  let si = bitcast<f32>(plan[scoreAt(b) + i]);
  var rk = 0u;
  for (var j = 0u; j < numA(); j++) {
    let sj = bitcast<f32>(plan[scoreAt(b) + j]);
    if (sj > si || (sj == si && j < i)) { rk++; }
  }
  plan[mergedAt(b) + i] = select(0, 1, rk < tm.r);
}

@compute @workgroup_size(64)
fn order(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  let b = gid.z;
  if (t >= tm.T) { return; }
  let keptA = numA() - tm.r;
  var idx: u32;
  if (t % 2u == 1u) {
    idx = keptA + (t - 1u) / 2u;
  } else {
    let i = t / 2u;
    if (plan[mergedAt(b) + i] != 0) {
      idx = keptA + u32(plan[dstAt(b) + i]);
    } else {
      var before = 0u;
      for (var k = 0u; k < i; k++) {
        if (plan[mergedAt(b) + k] == 0) { before++; }
      }
      idx = before;
      plan[srcOfAt(b) + before] = i32(t);
    }
  }
  plan[newIdxAt(b) + t] = i32(idx);
}
