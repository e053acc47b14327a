// The figures of a folder measurement, tallied as batches stream through (nothing per image is
// kept, so 10,000 photos cost what 10 do): per setting, top-1/top-5 against the labels when there
// are labels, and always the agreement with r = 0 (share of images whose top-1 is unchanged) and
// the mean total-variation distance of the class probabilities to r = 0's (for a model without a
// head, which has no classes, the mean cosine similarity of its features to r = 0's instead); with
// the tokens left and the throughput measured in the same run. Shared by `tome eval` and the
// page's worker.
import type { ForwardResult, Timing } from '../core/backend';
import type { ToMeOptions } from '../core/tome';
import { cosineSimilarity } from '../core/features';
import { drift } from './drift';

export interface MeasuredRow extends ToMeOptions {
  /** Images measured. */
  n: number;
  /** Fractions in [0, 1], with labels only. */
  top1?: number;
  top5?: number;
  /** Share of images whose top-1 equals r = 0's (1 at r = 0); models with a head. */
  agreement?: number;
  /** Mean total-variation distance of the probabilities to r = 0's, in [0, 1] (0 at r = 0);
   * models with a head. */
  meanTv?: number;
  /** Mean cosine similarity of the pooled features to r = 0's (1 at r = 0); models without a
   * head, in place of agreement and meanTv. */
  meanCosineToR0?: number;
  meanFinalTokens: number;
  /** Forward time per image, every batch but the first (a new setting's first forward builds its
   * plan: a warm-up) when there are several; the backend's own timing (GPU timestamps or wall). */
  msPerImage: number;
  imgPerSec: number;
  /** Throughput over r = 0's, measured in the same run, batch by batch alternating. */
  speedup: number;
}

interface Tally {
  n: number;
  top1: number;
  top5: number;
  agree: number;
  tv: number;
  cosine: number;
  finalTokens: number;
  /** The first batch's time and images (the warm-up), then the rest's. */
  first: { ms: number; n: number } | null;
  rest: { ms: number; n: number };
}

export class FolderMeasure {
  private readonly tallies: Tally[];
  /** r = 0's results for the batch running now: the others are compared with them. */
  private baseline: ForwardResult[] = [];
  private timingSource: Timing['source'] = 'wall';

  /** `settings[0]` must be r = 0 (measureSettings puts it first); it runs first in every batch.
   * A model without a head (`headless`) is compared by its features, never labelled. */
  constructor(
    readonly settings: ToMeOptions[],
    readonly labelled: boolean,
    readonly headless = false,
  ) {
    if (headless && labelled) throw new Error('a model without a head has no classes to label');
    if (settings[0]?.r !== 0) throw new Error('a folder measurement starts with r = 0, the baseline');
    this.tallies = settings.map(() => ({ n: 0, top1: 0, top5: 0, agree: 0, tv: 0, cosine: 0, finalTokens: 0, first: null, rest: { ms: 0, n: 0 } }));
  }

  /** Images measured under every setting so far. */
  get images(): number {
    return Math.min(...this.tallies.map((t) => t.n));
  }

  /** How the forwards were timed: GPU timestamps where the backend had them, else wall clock. */
  get source(): Timing['source'] {
    return this.timingSource;
  }

  /** One batch's results under setting `i` (`labels[k]` is image k's class, undefined unlabelled);
   * setting 0 (r = 0) comes first in each batch. */
  add(i: number, results: ForwardResult[], timing: Timing, labels: Array<number | undefined>): void {
    if (i === 0) this.baseline = results;
    else if (this.baseline.length !== results.length) throw new Error(`setting ${i}: ${results.length} results for a batch of ${this.baseline.length}`);
    const t = this.tallies[i];
    results.forEach((res, k) => {
      const base = this.baseline[k];
      t.n++;
      if (this.headless) t.cosine += cosineSimilarity(base.features!, res.features!);
      else {
        const d = drift(base.probs, res.probs);
        if (d.top1Agrees) t.agree++;
        t.tv += d.tv;
      }
      t.finalTokens += res.tokens[res.tokens.length - 1];
      const label = labels[k];
      if (label !== undefined) {
        if (res.top5[0].index === label) t.top1++;
        if (res.top5.some((x) => x.index === label)) t.top5++;
      }
    });
    if (t.first === null) t.first = { ms: timing.ms, n: results.length };
    else {
      t.rest.ms += timing.ms;
      t.rest.n += results.length;
    }
    this.timingSource = timing.source;
  }

  rows(): MeasuredRow[] {
    const msPerImage = (t: Tally) => {
      const timed = t.rest.n ? t.rest : (t.first ?? { ms: NaN, n: 0 });
      return timed.ms / timed.n;
    };
    const base = msPerImage(this.tallies[0]);
    return this.settings.map((s, i) => {
      const t = this.tallies[i];
      const n = Math.max(t.n, 1);
      const ms = msPerImage(t);
      return {
        ...s,
        n: t.n,
        ...(this.labelled ? { top1: t.top1 / n, top5: t.top5 / n } : {}),
        ...(this.headless ? { meanCosineToR0: t.cosine / n } : { agreement: t.agree / n, meanTv: t.tv / n }),
        meanFinalTokens: t.finalTokens / n,
        msPerImage: ms,
        imgPerSec: 1000 / ms,
        speedup: base / ms,
      };
    });
  }
}
