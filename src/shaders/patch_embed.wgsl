// Patch embedding as a convolution with stride = kernel = patch, written straight into the
// token matrix after `prefix` tokens ([cls][dist][registers], any of them absent): row
// b*T0 + prefix + p gets W * patch_p + bias + pos[prefix + p]; row b*T0 + t (t < prefix) gets
// token_t + pos[t]. Each invocation computes 4 patches x 4 channels in registers.
// Weight buffer: W^T [3*P*P, D] then bias [D] (zeros for a conv without bias); extra buffer:
// the prefix tokens [prefix, D] then a position row per token [T0, D] (zero rows for the
// prefix tokens when pos_embed covers the patches only, timm's no_embed_class).
struct Dims { D: u32, ps: u32, grid: u32, img: u32, batch: u32, prefix: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> image: array<f32>;
@group(0) @binding(2) var<storage, read> w: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> extra: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> y: array<vec4<f32>>;

fn pixelBase(b: u32, p: u32) -> u32 {
  let py = p / dims.grid;
  let px = p % dims.grid;
  return b * 3u * dims.img * dims.img + py * dims.ps * dims.img + px * dims.ps;
}

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let D4 = dims.D / 4u;
  let n4 = gid.x;
  let b = gid.z;
  let P = dims.grid * dims.grid;
  let pre = dims.prefix;
  let T0 = P + pre;
  let p0 = gid.y * 4u;
  if (n4 >= D4 || p0 >= P || b >= dims.batch) { return; }
  if (p0 == 0u) {
    for (var t = 0u; t < pre; t++) { y[(b * T0 + t) * D4 + n4] = extra[t * D4 + n4] + extra[(pre + t) * D4 + n4]; }
  }
  let last = P - 1u;
  let base0 = pixelBase(b, p0);
  let base1 = pixelBase(b, min(p0 + 1u, last));
  let base2 = pixelBase(b, min(p0 + 2u, last));
  let base3 = pixelBase(b, min(p0 + 3u, last));
  var c0 = vec4<f32>(0.0);
  var c1 = vec4<f32>(0.0);
  var c2 = vec4<f32>(0.0);
  var c3 = vec4<f32>(0.0);
  let plane = dims.img * dims.img;
  var k = 0u;
  for (var c = 0u; c < 3u; c++) {
    for (var ky = 0u; ky < dims.ps; ky++) {
      let off = c * plane + ky * dims.img;
      for (var kx = 0u; kx < dims.ps; kx++) {
        let wk = w[k * D4 + n4];
        c0 += image[base0 + off + kx] * wk;
        c1 += image[base1 + off + kx] * wk;
        c2 += image[base2 + off + kx] * wk;
        c3 += image[base3 + off + kx] * wk;
        k++;
      }
    }
  }
  let bias = w[k * D4 + n4];
  let rowBase = b * T0 + pre + p0;
  // pos[pre + p] sits after the prefix tokens in `extra`.
  let posBase = 2u * pre + p0;
  y[rowBase * D4 + n4] = c0 + bias + extra[posBase * D4 + n4];
  if (p0 + 1u < P) { y[(rowBase + 1u) * D4 + n4] = c1 + bias + extra[(posBase + 1u) * D4 + n4]; }
  if (p0 + 2u < P) { y[(rowBase + 2u) * D4 + n4] = c2 + bias + extra[(posBase + 2u) * D4 + n4]; }
  if (p0 + 3u < P) { y[(rowBase + 3u) * D4 + n4] = c3 + bias + extra[(posBase + 3u) * D4 + n4]; }
}
