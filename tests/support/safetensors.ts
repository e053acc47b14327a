// Minimal safetensors writer for tests (names sorted, header padded with spaces to 8 bytes, as
// the real timm files).
import { writeFileSync } from 'node:fs';
import type { RawTensor } from '../../src/model/safetensors';

function safetensorsBytes(tensors: Map<string, RawTensor>): Buffer {
  const names = [...tensors.keys()].sort();
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const n of names) {
    const t = tensors.get(n)!;
    header[n] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const data = names.map((n) => {
    const t = tensors.get(n)!.data;
    return Buffer.from(t.buffer, t.byteOffset, t.byteLength);
  });
  return Buffer.concat([len, Buffer.from(json), ...data]);
}

export function writeSafetensors(path: string, tensors: Map<string, RawTensor>): void {
  writeFileSync(path, safetensorsBytes(tensors));
}
