// ToMe's other matchings (the paper's ablation, Table 1): greedy and k-means, each one dispatch
// of one workgroup per image, in place of tome_match.wgsl's similarity + order, on the metric
// its metricMain wrote. Both work on the N mergeable tokens (every matched token but the class
// and distillation tokens; registers take no part) in order, token x at full position tok(x),
// and end alike (finishGroups): every token's destination (itself when it stays) becomes the new
// order, every remaining token in its original order, and the groups the merge kernel gathers
// (tome_common.wgsl: the plan layout when `matching` != 0). As src/reference/tome-choices.ts
// greedyChoice and kmeansChoice.
// Written to be simple and correct rather than fast: one workgroup per image, and long serial
// parts (greedy's r picks one after another, k-means' ITERATIONS rounds, the bookkeeping of
// groups in one invocation), where bipartite matching is two wide dispatches and a ranking.
//  greedy: each free row x keeps its most similar free partner y > x (ties to the lower y) in
//          the plan's scratch; r times, the best row (ties to the lower x) gives the most similar
//          free pair (i, j): both are taken, j merges into i, and only the rows whose partner was
//          i or j look again (the others' partner is still free and still their best). The same
//          pairs as ranking every pair once and taking them in order whenever both are free.
//  kmeans: Lloyd's k-means, k = N - r clusters, centroids started at the tokens floor(c N / k),
//          ITERATIONS rounds of assignment (most similar centroid, ties to the lower cluster)
//          and update (the members' mean, re-normalised for cosine; an empty cluster keeps its
//          centroid), then an empty cluster takes the latest token of the largest; each cluster
//          merges into its earliest token. The centroids live in `metric` after every image's
//          metric rows (the engine makes it twice the largest metric).
@group(0) @binding(1) var<storage, read_write> metric: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> plan: array<i32>;

const WG: u32 = 128u;
const NONE: u32 = 0xffffffffu;
// Below any similarity, minus a squared distance included.
const NO_SCORE: f32 = -3.4e38;

var<workgroup> redS: array<f32, WG>;
var<workgroup> redI: array<u32, WG>;

fn firstMergeable() -> u32 { return tm.cls + tm.dist; }
fn numMergeable() -> u32 { return tm.T - tm.regs - firstMergeable(); }
fn tok(x: u32) -> u32 { return fullPos(firstMergeable() + x); }
// Where the metric row of mergeable token x of image b starts, and centroid c's (vec4 indices).
fn rowOf(b: u32, x: u32) -> u32 { return (b * tm.T + tok(x)) * metricC4(); }
fn centroidAt(b: u32, c: u32) -> u32 { return ((tm.batch + b) * tm.T0 + c) * metricC4(); }

// The similarity of two metric rows: their dot product (the cosine on normalised rows) or minus
// their squared euclidean distance, as the bipartite similarity computes it.
fn similarity(p: u32, q: u32) -> f32 {
  let C4 = metricC4();
  var acc = vec4<f32>(0.0);
  if (tm.distance == 2u) {
    for (var c = 0u; c < C4; c++) {
      let e = metric[p + c] - metric[q + c];
      acc -= e * e;
    }
  } else {
    for (var c = 0u; c < C4; c++) { acc += metric[p + c] * metric[q + c]; }
  }
  return acc.x + acc.y + acc.z + acc.w;
}

// The (score, index) with the highest score over the workgroup, ties to the lower index; NONE
// entries lose to any other. Every invocation gets the index.
fn bestOf(l: u32, s: f32, i: u32) -> u32 {
  redS[l] = s;
  redI[l] = i;
  workgroupBarrier();
  for (var stride = WG / 2u; stride > 0u; stride /= 2u) {
    if (l < stride) {
      let so = redS[l + stride];
      let io = redI[l + stride];
      if (io != NONE && (redI[l] == NONE || so > redS[l] || (so == redS[l] && io < redI[l]))) {
        redS[l] = so;
        redI[l] = io;
      }
    }
    workgroupBarrier();
  }
  return redI[0];
}

// Greedy's scratch, per mergeable token x: its best free partner's score and index (-1: none
// left after it) and whether it is taken; the destination of every full position t.
fn bestScoreAt(b: u32) -> u32 { return scoreAt(b); }
fn partnerAt(b: u32) -> u32 { return dstAt(b); }
fn takenAt(b: u32) -> u32 { return mergedAt(b); }
fn dstOfAt(b: u32) -> u32 { return newIdxAt(b); }

fn greedyRow(b: u32, x: u32, N: u32) {
  let p = rowOf(b, x);
  var best = NO_SCORE;
  var arg = NONE;
  for (var y = x + 1u; y < N; y++) {
    if (plan[takenAt(b) + y] != 0) { continue; }
    let s = similarity(p, rowOf(b, y));
    if (arg == NONE || s > best) {
      best = s;
      arg = y;
    }
  }
  plan[bestScoreAt(b) + x] = bitcast<i32>(best);
  plan[partnerAt(b) + x] = select(i32(arg), -1, arg == NONE);
}

@compute @workgroup_size(128)
fn greedy(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let l = lid.x;
  let N = numMergeable();
  for (var x = l; x < N; x += WG) { plan[takenAt(b) + x] = 0; }
  for (var t = l; t < tm.T; t += WG) { plan[dstOfAt(b) + t] = i32(t); }
  storageBarrier();
  workgroupBarrier();
  for (var x = l; x < N; x += WG) { greedyRow(b, x, N); }
  storageBarrier();
  workgroupBarrier();
  for (var k = 0u; k < tm.r; k++) {
    // The best free row with a free partner; within an invocation x ascends, so a strictly
    // higher score replaces the best and ties keep the lower x.
    var s = NO_SCORE;
    var arg = NONE;
    for (var x = l; x < N; x += WG) {
      if (plan[takenAt(b) + x] != 0 || plan[partnerAt(b) + x] < 0) { continue; }
      let sx = bitcast<f32>(plan[bestScoreAt(b) + x]);
      if (arg == NONE || sx > s) {
        s = sx;
        arg = x;
      }
    }
    let i = bestOf(l, s, arg);
    let j = u32(plan[partnerAt(b) + i]);
    storageBarrier();
    workgroupBarrier();
    if (l == 0u) {
      plan[takenAt(b) + i] = 1;
      plan[takenAt(b) + j] = 1;
      // The later token merges into the earlier.
      plan[dstOfAt(b) + tok(j)] = i32(tok(i));
    }
    storageBarrier();
    workgroupBarrier();
    for (var x = l; x < N; x += WG) {
      if (plan[takenAt(b) + x] != 0) { continue; }
      let a = plan[partnerAt(b) + x];
      if (a == i32(i) || a == i32(j)) { greedyRow(b, x, N); }
    }
    storageBarrier();
    workgroupBarrier();
  }
  finishGroups(l, b);
}

// k-means' scratch, per image: each token's cluster, each cluster's members (start, then the
// list in ascending token order), and a cursor per cluster while listing them.
fn clusterAt(b: u32) -> u32 { return scoreAt(b); }
fn memberStartAt(b: u32) -> u32 { return dstAt(b); }
fn membersAt(b: u32) -> u32 { return mergedAt(b); }
fn cursorAt(b: u32) -> u32 { return newIdxAt(b); }

fn assignClusters(l: u32, b: u32, N: u32, k: u32) {
  for (var i = l; i < N; i += WG) {
    let p = rowOf(b, i);
    var best = NO_SCORE;
    var arg = 0u;
    for (var c = 0u; c < k; c++) {
      let s = similarity(p, centroidAt(b, c));
      if (c == 0u || s > best) {
        best = s;
        arg = c;
      }
    }
    plan[clusterAt(b) + i] = i32(arg);
  }
}

// One invocation: every cluster's members in ascending token order (a counting sort).
fn listMembers(b: u32, N: u32, k: u32) {
  for (var c = 0u; c <= k; c++) { plan[memberStartAt(b) + c] = 0; }
  for (var i = 0u; i < N; i++) { plan[memberStartAt(b) + u32(plan[clusterAt(b) + i]) + 1u] += 1; }
  for (var c = 0u; c < k; c++) {
    plan[cursorAt(b) + c] = plan[memberStartAt(b) + c];
    plan[memberStartAt(b) + c + 1u] += plan[memberStartAt(b) + c];
  }
  for (var i = 0u; i < N; i++) {
    let c = u32(plan[clusterAt(b) + i]);
    let q = u32(plan[cursorAt(b) + c]);
    plan[membersAt(b) + q] = i32(i);
    plan[cursorAt(b) + c] = i32(q + 1u);
  }
}

// One invocation, after the last assignment: each empty cluster (in order) takes the latest
// token of the largest cluster (ties to the lower cluster), then every token's destination is
// its cluster's earliest token. Cluster sizes in memberStart's words, earliest tokens in members'.
fn closeClusters(b: u32, N: u32, k: u32) {
  for (var c = 0u; c < k; c++) { plan[memberStartAt(b) + c] = 0; }
  for (var i = 0u; i < N; i++) { plan[memberStartAt(b) + u32(plan[clusterAt(b) + i])] += 1; }
  for (var c = 0u; c < k; c++) {
    if (plan[memberStartAt(b) + c] != 0) { continue; }
    var largest = 0u;
    for (var e = 1u; e < k; e++) {
      if (plan[memberStartAt(b) + e] > plan[memberStartAt(b) + largest]) { largest = e; }
    }
    var last = 0u;
    for (var i = 0u; i < N; i++) {
      if (u32(plan[clusterAt(b) + i]) == largest) { last = i; }
    }
    plan[clusterAt(b) + last] = i32(c);
    plan[memberStartAt(b) + largest] -= 1;
    plan[memberStartAt(b) + c] = 1;
  }
  for (var c = 0u; c < k; c++) { plan[membersAt(b) + c] = -1; }
  for (var i = 0u; i < N; i++) {
    let c = u32(plan[clusterAt(b) + i]);
    if (plan[membersAt(b) + c] < 0) { plan[membersAt(b) + c] = i32(i); }
  }
  for (var t = 0u; t < tm.T; t++) { plan[dstOfAt(b) + t] = i32(t); }
  for (var i = 0u; i < N; i++) {
    let first = u32(plan[membersAt(b) + u32(plan[clusterAt(b) + i])]);
    plan[dstOfAt(b) + tok(i)] = i32(tok(first));
  }
}

@compute @workgroup_size(128)
fn kmeans(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let b = wid.z;
  let l = lid.x;
  let N = numMergeable();
  let k = N - tm.r;
  let C4 = metricC4();
  for (var e = l; e < k * C4; e += WG) {
    let c = e / C4;
    metric[centroidAt(b, c) + e % C4] = metric[rowOf(b, (c * N) / k) + e % C4];
  }
  storageBarrier();
  workgroupBarrier();
  for (var it = 1u; it < ITERATIONS; it++) {
    assignClusters(l, b, N, k);
    storageBarrier();
    workgroupBarrier();
    if (l == 0u) { listMembers(b, N, k); }
    storageBarrier();
    workgroupBarrier();
    for (var e = l; e < k * C4; e += WG) {
      let c = e / C4;
      let s0 = u32(plan[memberStartAt(b) + c]);
      let s1 = u32(plan[memberStartAt(b) + c + 1u]);
      if (s1 == s0) { continue; }
      var sum = vec4<f32>(0.0);
      for (var q = s0; q < s1; q++) { sum += metric[rowOf(b, u32(plan[membersAt(b) + q])) + e % C4]; }
      metric[centroidAt(b, c) + e % C4] = sum / f32(s1 - s0);
    }
    storageBarrier();
    workgroupBarrier();
    if (tm.distance == 0u) {
      for (var c = l; c < k; c += WG) {
        let base = centroidAt(b, c);
        var sq = vec4<f32>(0.0);
        for (var d = 0u; d < C4; d++) { sq += metric[base + d] * metric[base + d]; }
        let inv = 1.0 / sqrt(sq.x + sq.y + sq.z + sq.w);
        for (var d = 0u; d < C4; d++) { metric[base + d] *= inv; }
      }
      storageBarrier();
      workgroupBarrier();
    }
  }
  // The last of the ITERATIONS assignments decides the clusters.
  assignClusters(l, b, N, k);
  storageBarrier();
  workgroupBarrier();
  if (l == 0u) { closeClusters(b, N, k); }
  finishGroups(l, b);
}

// One invocation, from every full position's destination (dstOf: itself when it stays; else an
// earlier token, so already numbered): the new position of each token, the token each new one
// keeps, and the sources of each group in ascending order (prune: none needed, -1 positions).
fn finishGroups(l: u32, b: u32) {
  storageBarrier();
  workgroupBarrier();
  if (l != 0u) { return; }
  let Tn = tm.T - tm.r;
  for (var n = 0u; n <= Tn; n++) { plan[startAt(b) + n] = 0; }
  var n = 0u;
  for (var t = 0u; t < tm.T; t++) {
    let d = u32(plan[dstOfAt(b) + t]);
    if (d == t) {
      plan[srcOfAt(b) + n] = i32(t);
      plan[newIdxAt(b) + t] = i32(n);
      n++;
    } else {
      let nd = plan[newIdxAt(b) + d];
      plan[newIdxAt(b) + t] = select(nd, -1, tm.prune != 0u);
      plan[startAt(b) + u32(nd) + 1u] += 1;
    }
  }
  if (tm.prune != 0u) { return; }
  // Counts to starts; the scratch's first words count each group's sources placed so far.
  for (var m = 0u; m < Tn; m++) {
    plan[startAt(b) + m + 1u] += plan[startAt(b) + m];
    plan[scoreAt(b) + m] = 0;
  }
  for (var t = 0u; t < tm.T; t++) {
    let nd = u32(plan[newIdxAt(b) + t]);
    if (u32(plan[srcOfAt(b) + nd]) == t) { continue; }
    let q = u32(plan[startAt(b) + nd]) + u32(plan[scoreAt(b) + nd]);
    plan[sourcesAt(b) + q] = i32(t);
    plan[scoreAt(b) + nd] += 1;
  }
}
