// The cost model behind FLOP-based ratios (bench targets, the page's FLOP column).

/** Multiply-accumulate count of one forward (matmuls and attention), for FLOP-based ratios.
 * A distilled model has two prefix tokens and two heads. */
export function forwardMacs(c: { embedDim: number; mlpHidden: number; numClasses: number; patchSize: number; distilled?: boolean }, tokens: number[]): number {
  const D = c.embedDim;
  const heads = c.distilled ? 2 : 1; // and as many prefix tokens
  const P = tokens[0] - heads;
  let macs = P * 3 * c.patchSize * c.patchSize * D; // patch embedding
  for (let i = 0; i < tokens.length - 1; i++) {
    const tIn = tokens[i];
    const tOut = tokens[i + 1];
    macs += tIn * D * 3 * D; // qkv
    macs += 2 * tIn * tIn * D; // QK^T and AV
    macs += tIn * D * D; // proj
    macs += 2 * tOut * D * c.mlpHidden; // fc1 + fc2 run after the merge
  }
  return macs + heads * D * c.numClasses;
}
