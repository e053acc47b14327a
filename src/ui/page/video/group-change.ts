// The temporal view's metric: per frame, the share of patches whose merged group changed since
// the previous frame. A patch's group "changed" when the SET of patches sharing its group
// differs between the two frames. Labels are never compared, only memberships, so any
// labelling works (canonical groups, a block's token indices) and relabelling changes nothing.

/**
 * changed[p] = 1 when the set {q : prev[q] = prev[p]} differs from {q : cur[q] = cur[p]}.
 * The two sets are equal exactly when both have the same size and every member of the first
 * also shares p's current label, i.e. when the pair (prev[p], cur[p]) occurs as often as each
 * label alone; so one counting pass decides every patch, in O(n).
 */
export function changedPatches(prev: ArrayLike<number>, cur: ArrayLike<number>): Uint8Array {
  const n = prev.length;
  if (cur.length !== n) throw new Error(`group change: ${n} vs ${cur.length} patches`);
  const prevSize = new Map<number, number>();
  const curSize = new Map<number, number>();
  const pairCount = new Map<string, number>();
  const pair = (p: number) => `${prev[p]},${cur[p]}`;
  for (let p = 0; p < n; p++) {
    prevSize.set(prev[p], (prevSize.get(prev[p]) ?? 0) + 1);
    curSize.set(cur[p], (curSize.get(cur[p]) ?? 0) + 1);
    const k = pair(p);
    pairCount.set(k, (pairCount.get(k) ?? 0) + 1);
  }
  const changed = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const both = pairCount.get(pair(p))!;
    changed[p] = both === prevSize.get(prev[p]) && both === curSize.get(cur[p]) ? 0 : 1;
  }
  return changed;
}

/** Share (0..1) of patches whose group changed; 0 for no patches. */
export function changedShare(prev: ArrayLike<number>, cur: ArrayLike<number>): number {
  const changed = changedPatches(prev, cur);
  let sum = 0;
  for (const c of changed) sum += c;
  return changed.length ? sum / changed.length : 0;
}
