// ToMe's metric and bipartite soft matching for one image per workgroup, in one dispatch:
// every step needs the previous one's results for the whole image, and on CPU adapters a
// dispatch costs more than the work of the small steps (barriers inside one workgroup are
// cheap). Steps, separated by storage barriers:
//  metric:     keys averaged over heads, L2-normalised (written to `metric`, head_dim wide).
//  similarity: cosine A x B fused with the argmax: each A token keeps its best B and score.
//  rank:       merged iff rank < r, rank_i = #{j : s_j > s_i or (s_j == s_i and j < i)},
//              a deterministic parallel top-r (ties broken by the lower index).
//  order:      new index of every old token: unmerged A keep their order (cls first), then B;
//              a merged source takes the new index of its destination. Also the sources of
//              each B token, in ascending A order, for the merge's gather.
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> metric: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> plan: array<i32>;
const WG: u32 = 64u;
fn mergedA(b: u32, i: u32) -> bool { return plan[mergedAt(b) + i] != 0; }
@compute @workgroup_size(64)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let D4 = tm.D / 4u;
  let hd4 = tm.hd / 4u;
  let nA = numA();
  let nB = numB();
  for (var t = lid.x; t < tm.T; t += WG) {
    let row = b * tm.T + t;
    let kBase = row * 3u * D4 + D4;
    var sq = vec4<f32>(0.0);
    for (var c = 0u; c < hd4; c++) {
      var s = vec4<f32>(0.0);
      for (var h = 0u; h < tm.heads; h++) { s += qkv[kBase + h * hd4 + c]; }
      s = s / f32(tm.heads);
      metric[row * hd4 + c] = s;
      sq += s * s;
    }
    let inv = 1.0 / sqrt(sq.x + sq.y + sq.z + sq.w);
    for (var c = 0u; c < hd4; c++) { metric[row * hd4 + c] *= inv; }
  }
  storageBarrier();
  // Each invocation takes A tokens i and i + WG (when there are that many): every B row it
  // loads serves two dot products. A's metric stays in registers (HD4 = head_dim / 4 from the
  // header), since it would otherwise be re-read for every B.
  for (var i = lid.x; i < nA; i += 2u * WG) {
    let i2 = i + WG;
    let two = i2 < nA;
    let aBase = (b * tm.T + 2u * i) * hd4;
    let aBase2 = (b * tm.T + 2u * select(i, i2, two)) * hd4;
    var a: array<vec4<f32>, HD4>;
    var a2: array<vec4<f32>, HD4>;
    for (var c = 0u; c < HD4; c++) {
      a[c] = metric[aBase + c];
      a2[c] = metric[aBase2 + c];
    }
    var best = -3.0e38;
    var bestJ = 0u;
    var best2 = -3.0e38;
    var bestJ2 = 0u;
    for (var j = 0u; j < nB; j++) {
      let bBase = (b * tm.T + 2u * j + 1u) * hd4;
      var d = vec4<f32>(0.0);
      var d2 = vec4<f32>(0.0);
      for (var c = 0u; c < HD4; c++) {
        let m = metric[bBase + c];
        d += a[c] * m;
        d2 += a2[c] * m;
      }
      let s = d.x + d.y + d.z + d.w;
      if (s > best) { best = s; bestJ = j; }
      let s2 = d2.x + d2.y + d2.z + d2.w;
      if (s2 > best2) { best2 = s2; bestJ2 = j; }
    }
    // The cls token may never be a source: its score is -inf (below any cosine).
    if (i == 0u) { best = -3.0e38; }
    plan[scoreAt(b) + i] = bitcast<i32>(best);
    plan[dstAt(b) + i] = i32(bestJ);
    if (two) {
      plan[scoreAt(b) + i2] = bitcast<i32>(best2);
      plan[dstAt(b) + i2] = i32(bestJ2);
    }
  }
  storageBarrier();
  for (var i = lid.x; i < nA; i += WG) {
    let si = bitcast<f32>(plan[scoreAt(b) + i]);
    var rk = 0u;
    for (var j = 0u; j < nA; j++) {
      let sj = bitcast<f32>(plan[scoreAt(b) + j]);
      if (sj > si || (sj == si && j < i)) { rk++; }
    }
    plan[mergedAt(b) + i] = select(0, 1, rk < tm.r);
  }
  storageBarrier();
  let keptA = nA - tm.r;
  for (var t = lid.x; t < tm.T; t += WG) {
    var idx: u32;
    if (t % 2u == 1u) {
      idx = keptA + (t - 1u) / 2u;
    } else {
      let i = t / 2u;
      if (mergedA(b, i)) {
        idx = keptA + u32(plan[dstAt(b) + i]);
        // Position among the sources, ordered by (destination, A index).
        let di = plan[dstAt(b) + i];
        var pos = 0u;
        for (var k = 0u; k < nA; k++) {
          let dk = plan[dstAt(b) + k];
          if (mergedA(b, k) && (dk < di || (dk == di && k < i))) { pos++; }
        }
        plan[sourcesAt(b) + pos] = i32(i);
      } else {
        var before = 0u;
        for (var k = 0u; k < i; k++) {
          if (!mergedA(b, k)) { before++; }
        }
        idx = before;
        plan[srcOfAt(b) + before] = i32(t);
      }
    }
    plan[newIdxAt(b) + t] = i32(idx);
  }
  for (var j = lid.x; j <= nB; j += WG) {
    var start = 0u;
    for (var k = 0u; k < nA; k++) {
      if (mergedA(b, k) && u32(plan[dstAt(b) + k]) < j) { start++; }
    }
    plan[startAt(b) + j] = i32(start);
  }
}
