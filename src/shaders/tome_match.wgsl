// ToMe's metric and bipartite soft matching, as three entry points (dispatched in this order,
// each needing the previous one's results for the whole image):
//  metric:     keys (or queries, values: metricPart) averaged over heads, or the token x itself
//              (metricPart 3: the plan binds x at `qkv`), L2-normalised for the cosine distance
//              (written to `metric`, metricC4() vec4s wide); one invocation per token.
//  similarity: cosine (or the dot product, or minus the squared euclidean distance: `distance`)
//              A x B fused with the argmax: each A token keeps its best B and score.
//              Register-tiled over workgroups of 32 A rows, so every thread of the adapter
//              shares the AxB work (it is ~90% of the matching's FLOPs). A and B are positions
//              of the matched sequence (registers left out, fullPos). A distillation token
//              (B_0) is never a destination: its column is -inf; the class token (A_0) never a
//              source: its score is -inf. A and B are the alternate split's (2i, 2j + 1) or the
//              block's split table's (aMatched, bMatched in tome_common.wgsl).
//  order:      merged iff rank < r, rank_i = #{j : s_j > s_i or (s_j == s_i and j < i)}, a
//              deterministic parallel top-r (ties broken by the lower index); then the new full
//              position of every old one (keptPos / bPos in tome_common.wgsl: unmerged A, by
//              original order with a class token and by rank without, then B; a distillation
//              token stays at 1; registers stay in place); a merged source takes the new
//              position of its destination. Also the sources of each B token, in ascending A
//              order, for the merge's gather. One workgroup per image, on copies of the scores
//              and destinations in workgroup memory (MAX_A from the header: A tokens of the
//              first block).
@group(0) @binding(1) var<storage, read> qkv: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> metric: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> plan: array<i32>;

const NEG_INF: f32 = -3.0e38;

@compute @workgroup_size(64)
fn metricMain(@builtin(global_invocation_id) gid: vec3<u32>) {
  let t = gid.x;
  if (t >= tm.T) { return; }
  let D4 = tm.D / 4u;
  let row = gid.z * tm.T + t;
  if (tm.metricPart == 3u) {
    metricOfToken(row, D4);
    return;
  }
  // The keys by default (metricPart 1); the queries or values as the paper's ablation.
  let kBase = row * 3u * D4 + tm.metricPart * D4;
  var m: array<vec4<f32>, HD4>;
  var sq = vec4<f32>(0.0);
  for (var c = 0u; c < HD4; c++) {
    var s = vec4<f32>(0.0);
    for (var h = 0u; h < tm.heads; h++) { s += qkv[kBase + h * HD4 + c]; }
    s = s / f32(tm.heads);
    m[c] = s;
    sq += s * s;
  }
  // L2-normalised for the cosine (the official distance); raw for the dot product.
  var inv = 1.0;
  if (tm.distance == 0u) { inv = 1.0 / sqrt(sq.x + sq.y + sq.z + sq.w); }
  for (var c = 0u; c < HD4; c++) { metric[row * HD4 + c] = m[c] * inv; }
}

// The metric x: the token itself (D wide, too wide for the private copy above, so read twice),
// L2-normalised for the cosine distance.
fn metricOfToken(row: u32, D4: u32) {
  var inv = 1.0;
  if (tm.distance == 0u) {
    var sq = vec4<f32>(0.0);
    for (var c = 0u; c < D4; c++) {
      let v = qkv[row * D4 + c];
      sq += v * v;
    }
    inv = 1.0 / sqrt(sq.x + sq.y + sq.z + sq.w);
  }
  for (var c = 0u; c < D4; c++) { metric[row * D4 + c] = qkv[row * D4 + c] * inv; }
}

// Per-lane bests of the similarity workgroup, [A row of the workgroup][lane along B].
var<workgroup> laneBest: array<f32, 256>;
var<workgroup> laneBestJ: array<u32, 256>;

fn sumDot(d: vec4<f32>) -> f32 { return d.x + d.y + d.z + d.w; }
fn sq(e: vec4<f32>) -> vec4<f32> { return e * e; }

// Invocation (x, y) of workgroup w takes A rows i0..i0+3 (i0 = 32w + 4y) against B columns
// 4x, 4x + 32, ...: 4x4 dot products per load of 4 A and 4 B vectors. Within a lane columns
// ascend and only a strictly larger score replaces the best, so the first maximum wins, as in
// the reference's argmax; the cross-lane reduction keeps that order with an index tie-break.
@compute @workgroup_size(8, 8)
fn similarity(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let nA = numA();
  let nB = numB();
  let i0 = wid.x * 32u + lid.y * 4u;
  let base = b * tm.T;
  let lastA = nA - 1u;
  let C4 = metricC4();
  let a0 = (base + fullPos(aMatched(min(i0, lastA)))) * C4;
  let a1 = (base + fullPos(aMatched(min(i0 + 1u, lastA)))) * C4;
  let a2 = (base + fullPos(aMatched(min(i0 + 2u, lastA)))) * C4;
  let a3 = (base + fullPos(aMatched(min(i0 + 3u, lastA)))) * C4;
  var best = vec4<f32>(NEG_INF);
  var bestJ = vec4<u32>(0u);
  for (var j0 = lid.x * 4u; j0 < nB; j0 += 32u) {
    let lastB = nB - 1u;
    let b0 = (base + fullPos(bMatched(j0))) * C4;
    let b1 = (base + fullPos(bMatched(min(j0 + 1u, lastB)))) * C4;
    let b2 = (base + fullPos(bMatched(min(j0 + 2u, lastB)))) * C4;
    let b3 = (base + fullPos(bMatched(min(j0 + 3u, lastB)))) * C4;
    // d[4 * row + column], each a vec4 of partial sums (summed at the end, as everywhere).
    // Zeroed explicitly: lavapipe kept an implicitly zero-initialised loop-local array's
    // values from the previous iteration.
    var d = array<vec4<f32>, 16>();
    // Minus the squared distance for the euclidean distance, in a loop of its own so that the
    // dot products' loop (the official path's) stays as it was.
    if (tm.distance == 2u) {
      for (var c = 0u; c < C4; c++) {
        let m0 = metric[b0 + c];
        let m1 = metric[b1 + c];
        let m2 = metric[b2 + c];
        let m3 = metric[b3 + c];
        let x0 = metric[a0 + c];
        let x1 = metric[a1 + c];
        let x2 = metric[a2 + c];
        let x3 = metric[a3 + c];
        d[0] -= sq(x0 - m0); d[1] -= sq(x0 - m1); d[2] -= sq(x0 - m2); d[3] -= sq(x0 - m3);
        d[4] -= sq(x1 - m0); d[5] -= sq(x1 - m1); d[6] -= sq(x1 - m2); d[7] -= sq(x1 - m3);
        d[8] -= sq(x2 - m0); d[9] -= sq(x2 - m1); d[10] -= sq(x2 - m2); d[11] -= sq(x2 - m3);
        d[12] -= sq(x3 - m0); d[13] -= sq(x3 - m1); d[14] -= sq(x3 - m2); d[15] -= sq(x3 - m3);
      }
    }
    for (var c = 0u; c < select(C4, 0u, tm.distance == 2u); c++) {
      let m0 = metric[b0 + c];
      let m1 = metric[b1 + c];
      let m2 = metric[b2 + c];
      let m3 = metric[b3 + c];
      let x0 = metric[a0 + c];
      let x1 = metric[a1 + c];
      let x2 = metric[a2 + c];
      let x3 = metric[a3 + c];
      d[0] += x0 * m0; d[1] += x0 * m1; d[2] += x0 * m2; d[3] += x0 * m3;
      d[4] += x1 * m0; d[5] += x1 * m1; d[6] += x1 * m2; d[7] += x1 * m3;
      d[8] += x2 * m0; d[9] += x2 * m1; d[10] += x2 * m2; d[11] += x2 * m3;
      d[12] += x3 * m0; d[13] += x3 * m1; d[14] += x3 * m2; d[15] += x3 * m3;
    }
    let cols = min(4u, nB - j0);
    for (var q = 0u; q < cols; q++) {
      // The distillation token's column is -inf: never a destination.
      if (distilled() && j0 + q == 0u) { continue; }
      for (var rr = 0u; rr < 4u; rr++) {
        let s = sumDot(d[4u * rr + q]);
        if (s > best[rr]) { best[rr] = s; bestJ[rr] = j0 + q; }
      }
    }
  }
  for (var rr = 0u; rr < 4u; rr++) {
    laneBest[(lid.y * 4u + rr) * 8u + lid.x] = best[rr];
    laneBestJ[(lid.y * 4u + rr) * 8u + lid.x] = bestJ[rr];
  }
  workgroupBarrier();
  // 32 invocations each finish one A row over the 8 lanes that shared its columns.
  let local = lid.y * 8u + lid.x;
  let i = wid.x * 32u + local;
  if (local >= 32u || i >= nA) { return; }
  var s = NEG_INF;
  var j = 0u;
  for (var l = 0u; l < 8u; l++) {
    let ls = laneBest[local * 8u + l];
    let lj = laneBestJ[local * 8u + l];
    if (ls > s || (ls == s && lj < j)) { s = ls; j = lj; }
  }
  // The class token may never be a source: its score is -inf (below any cosine).
  if (tm.cls != 0u && i == 0u) { s = NEG_INF; }
  plan[scoreAt(b) + i] = bitcast<i32>(s);
  plan[dstAt(b) + i] = i32(j);
}

var<workgroup> score: array<f32, MAX_A>;
var<workgroup> dst: array<i32, MAX_A>;
var<workgroup> rank: array<u32, MAX_A>;
const WG: u32 = 64u;

@compute @workgroup_size(64)
fn order(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let nA = numA();
  let nB = numB();
  for (var i = lid.x; i < nA; i += WG) {
    score[i] = bitcast<f32>(plan[scoreAt(b) + i]);
    dst[i] = plan[dstAt(b) + i];
  }
  workgroupBarrier();
  for (var i = lid.x; i < nA; i += WG) {
    let si = score[i];
    var rk = 0u;
    for (var j = 0u; j < nA; j++) {
      let sj = score[j];
      if (sj > si || (sj == si && j < i)) { rk++; }
    }
    rank[i] = rk;
    plan[mergedAt(b) + i] = select(0, 1, rk < tm.r);
  }
  workgroupBarrier();
  let keptA = nA - tm.r;
  for (var t = lid.x; t < tm.T; t += WG) {
    if (isRegister(t)) {
      plan[newIdxAt(b) + t] = i32(t);
      continue;
    }
    let u = matchedPos(t);
    var idx: u32;
    if (!isA(u)) {
      idx = bPos(bIndex(u), keptA);
    } else {
      let i = aIndex(u);
      if (rank[i] < tm.r) {
        let di = dst[i];
        idx = bPos(u32(di), keptA);
        // Position among the sources, ordered by (destination, A index).
        var pos = 0u;
        for (var k = 0u; k < nA; k++) {
          if (rank[k] < tm.r && (dst[k] < di || (dst[k] == di && k < i))) { pos++; }
        }
        plan[sourcesAt(b) + pos] = i32(i);
      } else {
        // Its place among the unmerged A tokens: original order with a class token, else the
        // decreasing-score order of the ranking.
        var kept = rank[i] - tm.r;
        if (tm.cls != 0u) {
          kept = 0u;
          for (var k = 0u; k < i; k++) {
            if (rank[k] >= tm.r) { kept++; }
          }
        }
        idx = keptPos(kept);
        plan[srcOfAt(b) + kept] = i32(t);
      }
    }
    plan[newIdxAt(b) + t] = i32(fullPos(idx));
  }
  for (var j = lid.x; j <= nB; j += WG) {
    var start = 0u;
    for (var k = 0u; k < nA; k++) {
      if (rank[k] < tm.r && u32(dst[k]) < j) { start++; }
    }
    plan[startAt(b) + j] = i32(start);
  }
}
