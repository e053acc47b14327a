// Number formatting for the metrics, with stable widths so the layout does not move.

export const pct = (p: number, digits = 1) => `${(p * 100).toFixed(digits)}%`;

export function ms(v: number): string {
  return v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
}

export function perSecond(msPerImage: number): string {
  const v = 1000 / msPerImage;
  return v >= 10 ? `${v.toFixed(0)} img/s` : `${v.toFixed(2)} img/s`;
}

export const gflops = (macs: number) => ((2 * macs) / 1e9).toFixed(2);

export const signedPct = (v: number) => `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)} pt`;
