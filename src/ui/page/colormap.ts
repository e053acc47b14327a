// Viridis-like ramp for the group-size heat map: perceptually ordered, readable on dark UI.
const STOPS: Array<[number, number, number]> = [
  [68, 1, 84],
  [59, 82, 139],
  [33, 145, 140],
  [94, 201, 98],
  [253, 231, 37],
];

/** t in [0, 1] -> sRGB bytes. */
export function ramp(t: number): [number, number, number] {
  const x = Math.min(1, Math.max(0, t)) * (STOPS.length - 1);
  const i = Math.min(STOPS.length - 2, Math.floor(x));
  const f = x - i;
  const a = STOPS[i];
  const b = STOPS[i + 1];
  return [0, 1, 2].map((c) => Math.round(a[c] + (b[c] - a[c]) * f)) as [number, number, number];
}

/** Group size -> [0, 1] on a log scale, so 1, 2, 4, 8... patches get evenly spaced colours. */
export function sizeToUnit(size: number, largest: number): number {
  return largest <= 1 ? 0 : Math.log(size) / Math.log(largest);
}
