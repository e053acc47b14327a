// What a bench run times: preprocessed inputs, and where their official r = 0 top-1 is known
// (the golden inputs), that top-1, which vets every peer before it is timed. The caller picks
// them (src/cli/bench-inputs.ts): their content does not change the work.

export interface BenchInputs {
  inputs: Float32Array[];
  /** Official top-1 at r = 0 per input; null when the inputs are not golden ones. */
  r0Top1: number[] | null;
  /** Where they came from, for the log. */
  source: string;
}
