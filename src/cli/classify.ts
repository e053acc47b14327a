// `tome classify`: one JSON line per input; a bad input prints one line on stderr and the
// others still run. A model without a head prints its features instead of a top-5: their norm
// and, when r > 0 was asked, their cosine similarity to the same image's r = 0 features (one more
// forward), with --logits the vector itself.
import type { Backend } from '../core/backend';
import { cosineSimilarity, l2Norm } from '../core/features';
import type { ToMeOptions } from '../core/tome';
import { choicesName } from '../eval/settings';
import { loadInput } from './input';

export interface ClassifyLine {
  input: string;
  model: string;
  r: number;
  schedule: string;
  /** The unofficial design choices ("metric x, weighting max"), when any. */
  choices?: string;
  backend: string;
  tokens: number[];
  /** A classifier's five best classes. */
  top5?: { index: number; label: string; prob: number }[];
  /** A model without a head: its pooled feature vector, described (`values` with --logits). */
  features?: { dim: number; norm: number; cosineToR0?: number; values?: number[] };
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
    let input: Awaited<ReturnType<typeof loadInput>>;
    try {
      // The run is inside: the GPU preprocessing can still refuse an image (device limits).
      input = await loadInput(path, config);
      run = await backend.run([input], opts);
    } catch (e) {
      failed++;
      const msg = oneLine(e);
      process.stderr.write(`tome: ${msg.startsWith(path) ? msg : `${path}: ${msg}`}\n`);
      continue;
    }
    const { results, timing } = run;
    const res = results[0];
    let output: Pick<ClassifyLine, 'top5' | 'features' | 'logits'>;
    if (res.features) {
      const v = res.features;
      const r0 = opts.r > 0 ? (await backend.run([input], { ...opts, r: 0 })).results[0].features! : null;
      output = {
        features: { dim: v.length, norm: l2Norm(v), ...(r0 ? { cosineToR0: cosineSimilarity(v, r0) } : {}), ...(withLogits ? { values: Array.from(v) } : {}) },
      };
    } else {
      output = {
        top5: res.top5.map((t) => ({ index: t.index, label: config.labels[t.index], prob: t.prob })),
        ...(withLogits ? { logits: Array.from(res.logits) } : {}),
      };
    }
    emit({
      input: path,
      model: config.id,
      r: opts.r,
      schedule: opts.schedule,
      ...(choicesName(opts) ? { choices: choicesName(opts) } : {}),
      backend: backend.name,
      tokens: res.tokens,
      ...output,
      groups: Array.from(res.groups),
      ms: Math.round(timing.ms * 100) / 100,
    });
  }
  return failed;
}

export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0];
}
