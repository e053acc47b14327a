// Classifier tail: softmax over the logits and the top-5 (ties to the lower index), one
// invocation per image; the class count is small enough that a serial pass is cheapest.
// Logits and probabilities rows are `stride` apart (classes padded to a multiple of 4);
// top5 holds per image 5 (class index, probability bits) pairs.
struct Dims { C: u32, batch: u32, stride: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read_write> probs: array<f32>;
@group(0) @binding(3) var<storage, read_write> top5: array<u32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let b = gid.x;
  if (b >= dims.batch) { return; }
  let base = b * dims.stride;
  var mx = -3.0e38;
  for (var i = 0u; i < dims.C; i++) { mx = max(mx, logits[base + i]); }
  var sum = 0.0;
  for (var i = 0u; i < dims.C; i++) {
    let e = exp(logits[base + i] - mx);
    probs[base + i] = e;
    sum += e;
  }
  let inv = 1.0 / sum;
  for (var i = 0u; i < dims.C; i++) { probs[base + i] *= inv; }
  // Five selection passes: the best entry strictly after the previous pick in (prob desc,
  // index asc) order.
  var prevP = 3.0e38;
  var prevI = -1;
  for (var k = 0u; k < 5u; k++) {
    var bestP = -1.0;
    var bestI = 0u;
    for (var i = 0u; i < dims.C; i++) {
      let p = probs[base + i];
      let after = p < prevP || (p == prevP && i32(i) > prevI);
      if (after && p > bestP) { bestP = p; bestI = i; }
    }
    top5[b * 10u + 2u * k] = bestI;
    top5[b * 10u + 2u * k + 1u] = bitcast<u32>(bestP);
    prevP = bestP;
    prevI = i32(bestI);
  }
}
