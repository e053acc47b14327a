// Y = X * W + bias, register-tiled: each invocation owns a 4x4 block of Y and keeps it in
// registers, no workgroup memory (fastest on CPU adapters; `npm run bench:kernels matmul` times it). Uniform,
// bindings, weight layout and epilogue: matmul_common.wgsl, concatenated before this file.

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let N4 = dims.N / 4u;
  let K4 = dims.K / 4u;
  let n4 = gid.x;
  let m0 = gid.y * 4u;
  if (n4 >= N4 || m0 >= dims.M) { return; }
  // Rows past M are clamped for loading and skipped when storing.
  let last = dims.M - 1u;
  let r0 = m0 * K4;
  let r1 = min(m0 + 1u, last) * K4;
  let r2 = min(m0 + 2u, last) * K4;
  let r3 = min(m0 + 3u, last) * K4;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  for (var k4 = 0u; k4 < K4; k4++) {
    let a0 = x[r0 + k4];
    let a1 = x[r1 + k4];
    let a2 = x[r2 + k4];
    let a3 = x[r3 + k4];
    let wb = k4 * 4u * N4 + n4;
    let b0 = vec4<f32>(w[wb]);
    let b1 = vec4<f32>(w[wb + N4]);
    let b2 = vec4<f32>(w[wb + 2u * N4]);
    let b3 = vec4<f32>(w[wb + 3u * N4]);
    c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
    c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
    c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
    c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
  }
  let bias = vec4<f32>(w[K4 * 4u * N4 + n4]);
  store(m0, n4, N4, c0 + bias);
  if (m0 + 1u < dims.M) { store(m0 + 1u, n4, N4, c1 + bias); }
  if (m0 + 2u < dims.M) { store(m0 + 2u, n4, N4, c2 + bias); }
  if (m0 + 3u < dims.M) { store(m0 + 3u, n4, N4, c3 + bias); }
}
