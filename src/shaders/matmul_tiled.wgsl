// Y = X * W + bias, workgroup-memory tiled: a 32x32 tile of Y per workgroup of 8x8 invocations
// (4x4 outputs each), K consumed in slabs of 32 staged in workgroup memory. This is the variant
// real GPUs prefer. Uniform, bindings, weight layout and epilogue: matmul_common.wgsl,
// concatenated before this file.

// [32 rows][8 vec4 of k] and [32 k][8 vec4 of n].
var<workgroup> tileA: array<vec4<f32>, 256>;
var<workgroup> tileB: array<vec4<f32>, 256>;

@compute @workgroup_size(8, 8)
fn main(@builtin(local_invocation_id) lid: vec3<u32>, @builtin(workgroup_id) wid: vec3<u32>) {
  let N4 = dims.N / 4u;
  let K4 = dims.K / 4u;
  let li = lid.y * 8u + lid.x;
  let mBase = wid.y * 32u;
  let n4Base = wid.x * 8u;
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  let slabs = (K4 + 7u) / 8u;
  for (var s = 0u; s < slabs; s++) {
    for (var t = 0u; t < 4u; t++) {
      let idx = li + 64u * t;
      let row = idx / 8u;
      let col = idx % 8u;
      let m = mBase + row;
      let k4 = s * 8u + col;
      var a = vec4<f32>(0.0);
      if (m < dims.M && k4 < K4) { a = x[m * K4 + k4]; }
      tileA[idx] = a;
      let k = s * 32u + row;
      let n4 = n4Base + col;
      var b = vec4<f32>(0.0);
      if (k < dims.K && n4 < N4) { b = vec4<f32>(w[k * N4 + n4]); }
      tileB[idx] = b;
    }
    workgroupBarrier();
    for (var k4 = 0u; k4 < 8u; k4++) {
      let a0 = tileA[(lid.y * 4u) * 8u + k4];
      let a1 = tileA[(lid.y * 4u + 1u) * 8u + k4];
      let a2 = tileA[(lid.y * 4u + 2u) * 8u + k4];
      let a3 = tileA[(lid.y * 4u + 3u) * 8u + k4];
      let b0 = tileB[(k4 * 4u) * 8u + lid.x];
      let b1 = tileB[(k4 * 4u + 1u) * 8u + lid.x];
      let b2 = tileB[(k4 * 4u + 2u) * 8u + lid.x];
      let b3 = tileB[(k4 * 4u + 3u) * 8u + lid.x];
      c0 += a0.x * b0 + a0.y * b1 + a0.z * b2 + a0.w * b3;
      c1 += a1.x * b0 + a1.y * b1 + a1.z * b2 + a1.w * b3;
      c2 += a2.x * b0 + a2.y * b1 + a2.z * b2 + a2.w * b3;
      c3 += a3.x * b0 + a3.y * b1 + a3.z * b2 + a3.w * b3;
    }
    workgroupBarrier();
  }
  let n4 = n4Base + lid.x;
  if (n4 >= N4) { return; }
  let bias = vec4<f32>(w[K4 * 4u * N4 + n4]);
  let m0 = mBase + lid.y * 4u;
  if (m0 < dims.M) { store(m0, n4, N4, c0 + bias); }
  if (m0 + 1u < dims.M) { store(m0 + 1u, n4, N4, c1 + bias); }
  if (m0 + 2u < dims.M) { store(m0 + 2u, n4, N4, c2 + bias); }
  if (m0 + 3u < dims.M) { store(m0 + 3u, n4, N4, c3 + bias); }
}
