// The timing inputs: the golden photos, preprocessed by the official pipeline. Their content does
// not change the work, but it lets every peer be checked against the official outputs before it
// is timed.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface GoldenInputs {
  inputs: Float32Array[];
  /** The official r = 0 top-1 class of each input. */
  r0Top1: number[];
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

export function goldenInputs(goldenDir: string, model: string): GoldenInputs {
  const cases = JSON.parse(readFileSync(join(goldenDir, 'cases.json'), 'utf8')) as {
    entries: { model: string; input: string; cases: { name: string; top5: [number, number][] }[] }[];
  };
  const entries = cases.entries.filter((e) => e.model === model);
  if (!entries.length) throw new Error(`no golden inputs for ${model} in ${goldenDir}`);
  return {
    inputs: entries.map((e) => readF32(join(goldenDir, e.input))),
    r0Top1: entries.map((e) => e.cases.find((c) => c.name === 'r0')!.top5[0][0]),
  };
}

/** `n` inputs cycling through `inputs`. */
export function batchOf(inputs: Float32Array[], n: number): Float32Array[] {
  return Array.from({ length: n }, (_, i) => inputs[i % inputs.length]);
}
