// Applies a block's matching, as gathers (one writer per output, no float atomics, so the
// result is deterministic):
//  mergeTokens: new token n = an unmerged A token copied, or a B token averaged with the
//               sources that chose it, weighted by size (merge), or kept as is (prune).
//  mergeSizes:  the matching sizes (sums, or the destination's own size under prune).
//  updateMap:   patch->token map for this block from the previous block's row (identity
//               before block 0); a pruned patch maps to -1. With r = 0 it copies the row.
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> sizesIn: array<f32>;
@group(0) @binding(3) var<storage, read> planR: array<i32>;
@group(0) @binding(4) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(5) var<storage, read_write> sizesOut: array<f32>;
@group(0) @binding(6) var<storage, read_write> maps: array<i32>;

fn newT() -> u32 { return tm.T - tm.r; }

@compute @workgroup_size(64)
fn mergeTokens(@builtin(global_invocation_id) gid: vec3<u32>) {
  let D4 = tm.D / 4u;
  let c = gid.x % D4;
  let n = gid.x / D4;
  let b = gid.z;
  if (n >= newT()) { return; }
  let keptA = numA() - tm.r;
  let inBase = b * tm.T;
  let out = (b * newT() + n) * D4 + c;
  if (n < keptA) {
    dst[out] = src[(inBase + u32(planR[srcOfAt(b) + n])) * D4 + c];
    return;
  }
  let j = n - keptA;
  let tb = inBase + 2u * j + 1u;
  if (tm.prune != 0u) {
    dst[out] = src[tb * D4 + c];
    return;
  }
  var acc = src[tb * D4 + c] * sizesIn[tb];
  var total = sizesIn[tb];
  for (var i = 1u; i < numA(); i++) {
    if (planR[mergedAt(b) + i] != 0 && u32(planR[dstAt(b) + i]) == j) {
      let ta = inBase + 2u * i;
      acc += src[ta * D4 + c] * sizesIn[ta];
      total += sizesIn[ta];
    }
  }
  dst[out] = acc / total;
}

@compute @workgroup_size(64)
fn mergeSizes(@builtin(global_invocation_id) gid: vec3<u32>) {
  let n = gid.x;
  let b = gid.z;
  if (n >= newT()) { return; }
  let keptA = numA() - tm.r;
  let inBase = b * tm.T;
  let out = b * newT() + n;
  if (n < keptA) {
    sizesOut[out] = sizesIn[inBase + u32(planR[srcOfAt(b) + n])];
    return;
  }
  let j = n - keptA;
  var total = sizesIn[inBase + 2u * j + 1u];
  if (tm.prune == 0u) {
    for (var i = 1u; i < numA(); i++) {
      if (planR[mergedAt(b) + i] != 0 && u32(planR[dstAt(b) + i]) == j) { total += sizesIn[inBase + 2u * i]; }
    }
  }
  sizesOut[out] = total;
}

@compute @workgroup_size(64)
fn updateMap(@builtin(global_invocation_id) gid: vec3<u32>) {
  let p = gid.x;
  let b = gid.z;
  if (p >= tm.P) { return; }
  let row = (b * tm.depth + tm.layer) * tm.P;
  var prev = i32(p + 1u);
  if (tm.layer > 0u) { prev = maps[row - tm.P + p]; }
  var next = prev;
  if (tm.r > 0u && prev >= 0) {
    let t = u32(prev);
    if (tm.prune != 0u && t % 2u == 0u && planR[mergedAt(b) + t / 2u] != 0) {
      next = -1;
    } else {
      next = planR[newIdxAt(b) + t];
    }
  }
  maps[row + p] = next;
}
