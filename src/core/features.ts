// What the CLI and the page say about a model without a head, whose output is a feature vector
// (timm's pooled pre-logits features) rather than logits: its length and how far merging moved
// it from the r = 0 vector of the same image.

export function l2Norm(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/** Cosine similarity of two vectors of one length (1: the same direction). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`cosineSimilarity: lengths ${a.length} and ${b.length}`);
  let dot = 0;
  for (let i = 0; i < a.length; i++) dot += a[i] * b[i];
  return dot / (l2Norm(a) * l2Norm(b));
}
