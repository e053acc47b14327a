// Float32 weights compress badly as they are (xz keeps ~92%): the sign-and-exponent byte of
// every value is nearly constant, but it is interleaved with three bytes of noise. Split into
// byte planes (byte 0 of every word, then byte 1, ...), the exponent plane compresses to a third
// and the whole to ~84%. Lossless: fromPlanes(toPlanes(x)) === x, any length.

/** Byte k of each `width`-byte word, for k = 0..width-1, then the bytes after the last whole word. */
export function toPlanes(data: Uint8Array, width = 4): Uint8Array {
  const n = Math.floor(data.length / width);
  const out = new Uint8Array(data.length);
  for (let k = 0; k < width; k++) {
    const base = k * n;
    for (let i = 0; i < n; i++) out[base + i] = data[i * width + k];
  }
  out.set(data.subarray(n * width), n * width);
  return out;
}

export function fromPlanes(planes: Uint8Array, width = 4): Uint8Array {
  const n = Math.floor(planes.length / width);
  const out = new Uint8Array(planes.length);
  for (let k = 0; k < width; k++) {
    const base = k * n;
    for (let i = 0; i < n; i++) out[i * width + k] = planes[base + i];
  }
  out.set(planes.subarray(n * width), n * width);
  return out;
}
