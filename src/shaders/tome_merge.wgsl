// Applies a block's matching in one dispatch, as gathers (one writer per output, no float
// atomics, so the result is deterministic). Invocations [0, Tn * D/4) handle tokens, the next
// P ones the patch->token map:
//  tokens: new token n = a register copied in place, or (slotOf in tome_common.wgsl, on its
//          matched position) an unmerged A token copied, or a B token averaged with the sources
//          that chose it, weighted by size (merge; or as `weighting` says), or kept as is
//          (prune); under greedy and k-means matching a group in original order (mergeGroup);
//          the channel-0 invocation of each token also writes its size (sum, or its own under
//          prune).
//  map:    this block's patch->token row from the last merging block's row (before any merge
//          patch p is token p + the prefix tokens); a pruned patch maps to -1.
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> state: array<i32>;
fn newT() -> u32 { return tm.T - tm.r; }
fn sizeIn(t: u32) -> f32 { return bitcast<f32>(state[tm.sizesIn + t]); }
fn updateMap(p: u32, b: u32) {
  if (p >= tm.P) { return; }
  var prev = i32(p + prefixTokens());
  if (tm.prevRow > 0u) { prev = state[tm.maps + (b * tm.depth + tm.prevRow - 1u) * tm.P + p]; }
  var next = prev;
  if (prev >= 0) {
    let t = u32(prev);
    let u = matchedPos(t);
    // A pruned bipartite source; greedy and k-means wrote -1 in its new position themselves.
    if (tm.prune != 0u && tm.matching == 0u && isA(u) && state[mergedAt(b) + aIndex(u)] != 0) {
      next = -1;
    } else {
      next = state[newIdxAt(b) + t];
    }
  }
  state[tm.maps + (b * tm.depth + tm.layer) * tm.P + p] = next;
}
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let D4 = tm.D / 4u;
  let b = gid.z;
  let Tn = newT();
  if (gid.x >= Tn * D4) {
    updateMap(gid.x - Tn * D4, b);
    return;
  }
  let c = gid.x % D4;
  let n = gid.x / D4;
  let keptA = numA() - tm.r;
  let inBase = b * tm.T;
  let out = (b * Tn + n) * D4 + c;
  let sizeOut = tm.sizesOut + b * Tn + n;
  if (isRegister(n)) {
    // Registers keep their place (the same index before and after) and their size.
    dst[out] = src[(inBase + n) * D4 + c];
    if (c == 0u) { state[sizeOut] = state[tm.sizesIn + inBase + n]; }
    return;
  }
  if (tm.matching != 0u) {
    mergeGroup(out, inBase, c, D4, n, b, sizeOut);
    return;
  }
  let slot = slotOf(matchedPos(n), keptA);
  if (slot.x == 0u) {
    let t = inBase + u32(state[srcOfAt(b) + slot.y]);
    dst[out] = src[t * D4 + c];
    if (c == 0u) { state[sizeOut] = state[tm.sizesIn + t]; }
    return;
  }
  let j = slot.y;
  let tb = inBase + fullPos(bMatched(j));
  if (tm.prune != 0u) {
    dst[out] = src[tb * D4 + c];
    if (c == 0u) { state[sizeOut] = state[tm.sizesIn + tb]; }
    return;
  }
  let end = u32(state[startAt(b) + j + 1u]);
  if (tm.weighting != 0u) {
    mergeUnweighted(out, tb, inBase, c, D4, j, b, end, sizeOut);
    return;
  }
  var acc = src[tb * D4 + c] * sizeIn(tb);
  var total = sizeIn(tb);
  for (var q = u32(state[startAt(b) + j]); q < end; q++) {
    let ta = inBase + fullPos(aMatched(u32(state[sourcesAt(b) + q])));
    acc += src[ta * D4 + c] * sizeIn(ta);
    total += sizeIn(ta);
  }
  dst[out] = acc / total;
  if (c == 0u) { state[sizeOut] = bitcast<i32>(total); }
}

// The paper's other ways to combine a group (weighting 1 plain mean, 2 keep the destination,
// 3 element-wise max); the sizes still add, for proportional attention and the map.
fn mergeUnweighted(out: u32, tb: u32, inBase: u32, c: u32, D4: u32, j: u32, b: u32, end: u32, sizeOut: u32) {
  let own = src[tb * D4 + c];
  var acc = own;
  var total = sizeIn(tb);
  var count = 1.0;
  for (var q = u32(state[startAt(b) + j]); q < end; q++) {
    let ta = inBase + fullPos(aMatched(u32(state[sourcesAt(b) + q])));
    let v = src[ta * D4 + c];
    if (tm.weighting == 3u) { acc = max(acc, v); } else { acc += v; }
    total += sizeIn(ta);
    count += 1.0;
  }
  if (tm.weighting == 1u) { dst[out] = acc / count; }
  else if (tm.weighting == 2u) { dst[out] = own; }
  else { dst[out] = acc; }
  if (c == 0u) { state[sizeOut] = bitcast<i32>(total); }
}

// Greedy and k-means matching (tome_group.wgsl) describe each new token n as the token it keeps
// and its group's sources (ascending); every token stays in its original order. A group without
// sources is copied; otherwise combined as `weighting` says (the kept token first, then its
// sources: the token order, so the sizes add as the reference adds them); prune keeps the kept
// token alone.
fn mergeGroup(out: u32, inBase: u32, c: u32, D4: u32, n: u32, b: u32, sizeOut: u32) {
  let tk = inBase + u32(state[srcOfAt(b) + n]);
  let start = u32(state[startAt(b) + n]);
  let end = u32(state[startAt(b) + n + 1u]);
  let own = src[tk * D4 + c];
  if (tm.prune != 0u || start == end) {
    dst[out] = own;
    if (c == 0u) { state[sizeOut] = state[tm.sizesIn + tk]; }
    return;
  }
  var total = sizeIn(tk);
  var acc = own;
  if (tm.weighting == 0u) { acc = own * total; }
  for (var q = start; q < end; q++) {
    let ta = inBase + u32(state[sourcesAt(b) + q]);
    let v = src[ta * D4 + c];
    let s = sizeIn(ta);
    if (tm.weighting == 0u) { acc += v * s; }
    else if (tm.weighting == 3u) { acc = max(acc, v); }
    else { acc += v; }
    total += s;
  }
  if (tm.weighting == 0u) { dst[out] = acc / total; }
  else if (tm.weighting == 1u) { dst[out] = acc / f32(end - start + 1u); }
  else if (tm.weighting == 2u) { dst[out] = own; }
  else { dst[out] = acc; }
  if (c == 0u) { state[sizeOut] = bitcast<i32>(total); }
}
