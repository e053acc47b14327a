// Uniforms and the "ToMe state" buffer layout shared by the ToMe kernels (concatenated before
// each of them). One storage buffer holds, as i32 words (f32 values as bits):
//  - per image b, a matching plan of PLAN_WORDS * T0 words from b * PLAN_WORDS * T0:
//      [0, T0)      best cosine score of A token i (f32 bits; cls = -inf)
//      [T0, 2T0)    index j of that best B token
//      [2T0, 3T0)   1 if A token i is merged (its rank among scores < r), else 0
//      [3T0, 4T0)   new full position of every old full position t (a source maps to its
//                   destination, a register to itself)
//      [4T0, 5T0)   old full position of each unmerged A token, by its rank among them
//      [5T0, 6T0)   merged A indices sorted by (destination j, i): the sources of each B token
//      [6T0, 7T0)   start of B token j's sources in that list (nB + 1 entries)
//  - under greedy and k-means matching (`matching` != 0, tome_group.wgsl) the first three parts
//    are that kernel's scratch, and the other four describe groups by new position n instead:
//      [3T0, 4T0)   new full position of every old full position t (-1: a pruned source)
//      [4T0, 5T0)   old full position of the token that new token n keeps (its non-source)
//      [5T0, 6T0)   the sources (old full positions, ascending) of every group, by n
//      [6T0, 7T0)   start of new token n's sources in that list (Tn + 1 entries)
//  - token sizes (patches per token, f32) at `sizesIn` (this block's) and `sizesOut` (next);
//  - the patch->token map of every merging block at `maps`: [batch][depth][P].
// Keeping them in one buffer lets the merge kernel update tokens, sizes and the map in one
// dispatch within the GL route's 4 storage buffers per stage.
// Token positions: the full sequence is [cls][dist][registers][patch tokens], each prefix part
// present or not (`cls`, `dist`, `regs`). ToMe matches on the sequence without the registers
// (its positions u; fullPos maps them back): A = even positions (cls is A[0]), B = odd
// positions, as ToMe's bipartite soft matching. The class token is never a source; a
// distillation token is B[0], never a destination, and stays at index 1; registers take no part
// and stay where they are, after them. Plan words are indexed by A/B index or by full position
// as noted above; newIdx holds full positions.
struct Tome {
  T: u32, r: u32, D: u32, hd: u32,
  heads: u32, prune: u32, layer: u32, depth: u32,
  P: u32, T0: u32, batch: u32,
  prevRow: u32,   // 1 + the block whose map row this block updates, 0: the identity (no merge yet)
  sizesIn: u32, sizesOut: u32, maps: u32,
  cls: u32, dist: u32, regs: u32,
  metricPart: u32, // design choices: 0 q, 1 k (official), 2 v, 3 x (the token itself)
  distance: u32,   // 0 cosine (official), 1 dot product of the raw features, 2 minus squared euclidean
  split: u32,      // 0 alternate (official), 1 the positions of the `split` table (sequential, random)
  matching: u32,   // 0 bipartite (official), 1 greedy, 2 k-means (tome_group.wgsl)
  weighting: u32,  // 0 size-weighted (official), 1 plain mean, 2 keep the destination, 3 max
}
@group(0) @binding(0) var<uniform> tm: Tome;
// A and B under a split other than the alternate one, per block (row `layer`, 2 * T0 words):
// [0, T0) the matched position of A_i at i and of B_j at nA + j, [T0, 2T0) the inverse (that
// index for every matched position). It depends only on the seed, the block and the token count,
// never on the data, so the host computes it once per setting (src/gpu/split-table.ts, the
// reference's own splitPositions) and the kernels only read it. Unread under the alternate split.
@group(0) @binding(4) var<storage, read> splitTable: array<i32>;
const PLAN_WORDS: u32 = 7u;
fn firstReg() -> u32 { return tm.cls + tm.dist; }
fn prefixTokens() -> u32 { return tm.cls + tm.dist + tm.regs; }
fn numA() -> u32 { return (tm.T - tm.regs + 1u) / 2u; }
fn numB() -> u32 { return (tm.T - tm.regs) / 2u; }
fn isRegister(t: u32) -> bool { return t >= firstReg() && t < firstReg() + tm.regs; }
// Full position of matched position u, and the matched position of a full one (not a register).
fn fullPos(u: u32) -> u32 { return select(u, u + tm.regs, u >= firstReg()); }
fn matchedPos(t: u32) -> u32 { return select(t, t - tm.regs, t >= firstReg() + tm.regs); }
// The metric's row width in vec4s: a head's width, or the token's for the metric x.
fn metricC4() -> u32 { return select(tm.hd / 4u, tm.D / 4u, tm.metricPart == 3u); }
// A_i's and B_j's matched positions, whether matched position u is in A, and its index there.
fn splitRow() -> u32 { return tm.layer * 2u * tm.T0; }
fn aMatched(i: u32) -> u32 {
  if (tm.split == 0u) { return 2u * i; }
  return u32(splitTable[splitRow() + i]);
}
fn bMatched(j: u32) -> u32 {
  if (tm.split == 0u) { return 2u * j + 1u; }
  return u32(splitTable[splitRow() + numA() + j]);
}
fn splitIndex(u: u32) -> u32 { return u32(splitTable[splitRow() + tm.T0 + u]); }
fn isA(u: u32) -> bool {
  if (tm.split == 0u) { return u % 2u == 0u; }
  return splitIndex(u) < numA();
}
fn aIndex(u: u32) -> u32 {
  if (tm.split == 0u) { return u / 2u; }
  return splitIndex(u);
}
fn bIndex(u: u32) -> u32 {
  if (tm.split == 0u) { return (u - 1u) / 2u; }
  return splitIndex(u) - numA();
}
fn planBase(b: u32) -> u32 { return b * PLAN_WORDS * tm.T0; }
fn scoreAt(b: u32) -> u32 { return planBase(b); }
fn dstAt(b: u32) -> u32 { return planBase(b) + tm.T0; }
fn mergedAt(b: u32) -> u32 { return planBase(b) + 2u * tm.T0; }
fn newIdxAt(b: u32) -> u32 { return planBase(b) + 3u * tm.T0; }
fn srcOfAt(b: u32) -> u32 { return planBase(b) + 4u * tm.T0; }
fn sourcesAt(b: u32) -> u32 { return planBase(b) + 5u * tm.T0; }
fn startAt(b: u32) -> u32 { return planBase(b) + 6u * tm.T0; }

// The new order of the matched sequence, as merge.py: the unmerged A tokens (in original order
// with a class token, cls first; without one in decreasing score order, as its argsort leaves
// them), then every B token in original order; with a distillation token
// cat([unm[:1], dst[:1], unm[1:], dst[1:]]), so it stays at index 1. keptPos: the new matched
// position of the unmerged A token of rank i among them; bPos: that of B token j.
fn distilled() -> bool { return tm.dist != 0u; }
fn keptPos(i: u32) -> u32 { return select(i, i + 1u, distilled() && i > 0u); }
fn bPos(j: u32, keptA: u32) -> u32 { return select(keptA + j, 1u, distilled() && j == 0u); }
// The inverse: for new matched position n, (0, rank) of an unmerged A token or (1, j) of a B token.
fn slotOf(n: u32, keptA: u32) -> vec2<u32> {
  if (distilled()) {
    if (n == 1u) { return vec2<u32>(1u, 0u); }
    if (n == 0u) { return vec2<u32>(0u, 0u); }
    if (n <= keptA) { return vec2<u32>(0u, n - 1u); }
    return vec2<u32>(1u, n - keptA);
  }
  if (n < keptA) { return vec2<u32>(0u, n); }
  return vec2<u32>(1u, n - keptA);
}
