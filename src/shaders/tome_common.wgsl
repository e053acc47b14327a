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
  metricPart: u32, // design choices: 0 q, 1 k (official), 2 v
  normalise: u32,  // 1: cosine (official), 0: dot product of the raw means
  weighting: u32,  // 0 size-weighted (official), 1 plain mean, 2 keep the destination, 3 max
}
@group(0) @binding(0) var<uniform> tm: Tome;
const PLAN_WORDS: u32 = 7u;
fn firstReg() -> u32 { return tm.cls + tm.dist; }
fn prefixTokens() -> u32 { return tm.cls + tm.dist + tm.regs; }
fn numA() -> u32 { return (tm.T - tm.regs + 1u) / 2u; }
fn numB() -> u32 { return (tm.T - tm.regs) / 2u; }
fn isRegister(t: u32) -> bool { return t >= firstReg() && t < firstReg() + tm.regs; }
// Full position of matched position u, and the matched position of a full one (not a register).
fn fullPos(u: u32) -> u32 { return select(u, u + tm.regs, u >= firstReg()); }
fn matchedPos(t: u32) -> u32 { return select(t, t - tm.regs, t >= firstReg() + tm.regs); }
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
