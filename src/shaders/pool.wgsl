// Average pooling, timm's global_pool='avg': per image, the plain mean of its tokens after the
// prefix (rows prefix..T-1 of its T), merged tokens counting once each as they are (timm pools
// the tokens ToMe leaves, unweighted). One invocation per image and channel vec4, summing
// over the tokens in order.
struct Dims { T: u32, D: u32, prefix: u32, batch: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> y: array<vec4<f32>>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let D4 = dims.D / 4u;
  let c = gid.x;
  let b = gid.z;
  if (c >= D4 || b >= dims.batch) { return; }
  var s = vec4<f32>(0.0);
  for (var t = dims.prefix; t < dims.T; t++) { s += x[(b * dims.T + t) * D4 + c]; }
  y[b * D4 + c] = s / f32(dims.T - dims.prefix);
}
