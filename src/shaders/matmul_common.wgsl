// What both matmul variants share (concatenated before matmul_reg.wgsl or matmul_tiled.wgsl):
// the uniform, the bindings and the epilogue. Y[M,N] = X[M,K] * W[K,N] + bias; K and N are
// multiples of 4, M is arbitrary. Header supplies: WT (weight element type, f32 or f16), EPI
// (0: bias, 1: bias + GELU, exact erf form as timm's nn.GELU, 2: Y += result, i.e. a residual
// add in place, 3: bias + QuickGELU x * sigmoid(1.702 x), CLIP's). The weight buffer holds W^T as [K, N] followed by the bias [N], so one binding
// carries both (the GL route allows only 4 storage buffers).
struct Dims { M: u32, N: u32, K: u32 }
@group(0) @binding(0) var<uniform> dims: Dims;
@group(0) @binding(1) var<storage, read> x: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> w: array<vec4<WT>>;
@group(0) @binding(3) var<storage, read_write> y: array<vec4<f32>>;

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): WGSL has no erf built-in.
fn erf4(v: vec4<f32>) -> vec4<f32> {
  let a = abs(v);
  let t = 1.0 / (1.0 + 0.3275911 * a);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  let r = 1.0 - poly * exp(-a * a);
  return sign(v) * r;
}

fn gelu4(v: vec4<f32>) -> vec4<f32> {
  return 0.5 * v * (1.0 + erf4(v * 0.7071067811865476));
}

// The epilogue, applied as a variant stores row m, columns 4*n4.. (the bias already added).
fn store(m: u32, n4: u32, N4: u32, v: vec4<f32>) {
  let i = m * N4 + n4;
  if (EPI == 1u) {
    y[i] = gelu4(v);
  } else if (EPI == 3u) {
    y[i] = v / (1.0 + exp(-1.702 * v));
  } else if (EPI == 2u) {
    y[i] = y[i] + v;
  } else {
    y[i] = v;
  }
}
