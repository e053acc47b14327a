// Uniforms and the per-image "plan" layout shared by the ToMe kernels (concatenated before
// each of them). Plan of image b, i32 words from b * 5 * T0:
//   [0, T0)      best cosine score of A token i (f32 bits; cls = -inf)
//   [T0, 2T0)    index j of that best B token
//   [2T0, 3T0)   1 if A token i is merged (its rank among scores < r), else 0
//   [3T0, 4T0)   new token index of every old token t (a source maps to its destination)
//   [4T0, 5T0)   old token index of each new unmerged-A position
// A = even positions (cls is A[0]), B = odd positions, as ToMe's bipartite soft matching.
struct Tome { T: u32, r: u32, D: u32, hd: u32, heads: u32, prune: u32, layer: u32, depth: u32, P: u32, T0: u32, batch: u32, pad: u32 }
@group(0) @binding(0) var<uniform> tm: Tome;

fn numA() -> u32 { return (tm.T + 1u) / 2u; }
fn numB() -> u32 { return tm.T / 2u; }
fn planBase(b: u32) -> u32 { return b * 5u * tm.T0; }
fn scoreAt(b: u32) -> u32 { return planBase(b); }
fn dstAt(b: u32) -> u32 { return planBase(b) + tm.T0; }
fn mergedAt(b: u32) -> u32 { return planBase(b) + 2u * tm.T0; }
fn newIdxAt(b: u32) -> u32 { return planBase(b) + 3u * tm.T0; }
fn srcOfAt(b: u32) -> u32 { return planBase(b) + 4u * tm.T0; }
