// `tome classify`: one JSON line per input; a bad input prints one line on stderr and the
// others still run.
import type { Backend } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import { loadInput } from './input';

export interface ClassifyLine {
  input: string;
  model: string;
  r: number;
  schedule: string;
  backend: string;
  tokens: number[];
  top5: { index: number; label: string; prob: number }[];
  groups: number[];
  logits?: number[];
  ms: number;
}

/** Returns the number of inputs that failed. */
export async function classify(
  backend: Backend,
  inputs: string[],
  opts: ToMeOptions,
  withLogits: boolean,
  emit: (line: ClassifyLine) => void,
): Promise<number> {
  const { config } = backend;
  let failed = 0;
  for (const path of inputs) {
    let run: Awaited<ReturnType<Backend['run']>>;
    try {
      // The run is inside: the GPU preprocessing can still refuse an image (device limits).
      run = await backend.run([await loadInput(path, config)], opts);
    } catch (e) {
      failed++;
      const msg = oneLine(e);
      process.stderr.write(`tome: ${msg.startsWith(path) ? msg : `${path}: ${msg}`}\n`);
      continue;
    }
    const { results, timing } = run;
    const res = results[0];
    emit({
      input: path,
      model: config.id,
      r: opts.r,
      schedule: opts.schedule,
      backend: backend.name,
      tokens: res.tokens,
      top5: res.top5.map((t) => ({ index: t.index, label: config.labels[t.index], prob: t.prob })),
      groups: Array.from(res.groups),
      ...(withLogits ? { logits: Array.from(res.logits) } : {}),
      ms: Math.round(timing.ms * 100) / 100,
    });
  }
  return failed;
}

export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}
