// Minimal safetensors reader (F32 only, as timm's ViT checkpoints are). Format: u64 LE header
// length, JSON header {name: {dtype, shape, data_offsets}}, then the raw tensor bytes.

export interface RawTensor {
  shape: number[];
  data: Float32Array;
}

export function readSafetensors(bytes: Uint8Array, fileName = 'model.safetensors'): Map<string, RawTensor> {
  if (bytes.byteLength < 8) throw new Error(`${fileName}: too short to be a safetensors file (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen <= 0 || 8 + headerLen > bytes.byteLength) {
    throw new Error(`${fileName}: header length ${headerLen} does not fit in ${bytes.byteLength} bytes (truncated or not safetensors)`);
  }
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLen))) as typeof header;
  } catch {
    throw new Error(`${fileName}: header is not valid JSON (corrupt file)`);
  }
  const base = 8 + headerLen;
  const out = new Map<string, RawTensor>();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (t.dtype !== 'F32') throw new Error(`${fileName}: tensor ${name} has dtype ${t.dtype}, only F32 is supported`);
    const [begin, end] = t.data_offsets;
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (end - begin !== count * 4) throw new Error(`${fileName}: tensor ${name} has ${end - begin} bytes for shape [${t.shape}]`);
    if (base + end > bytes.byteLength) throw new Error(`${fileName}: tensor ${name} runs past the end of the file (truncated)`);
    // A view when the tensor is 4-byte aligned (real files pad the header to 8 bytes), so a
    // large model is not held twice; a copy otherwise.
    const at = bytes.byteOffset + base + begin;
    let data: Float32Array;
    if (at % 4 === 0) data = new Float32Array(bytes.buffer, at, count);
    else {
      data = new Float32Array(count);
      new Uint8Array(data.buffer).set(bytes.subarray(base + begin, base + end));
    }
    out.set(name, { shape: t.shape, data });
  }
  return out;
}
