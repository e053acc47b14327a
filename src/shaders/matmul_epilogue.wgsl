// Epilogue shared by both matmul variants (concatenated after them): bias is already added;
// EPI selects GELU (exact erf form, as timm's nn.GELU) or a residual add into Y in place.

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

fn store(m: u32, n4: u32, N4: u32, v: vec4<f32>) {
  let i = m * N4 + n4;
  if (EPI == 1u) {
    y[i] = gelu4(v);
  } else if (EPI == 2u) {
    y[i] = y[i] + v;
  } else {
    y[i] = v;
  }
}
