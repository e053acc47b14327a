// The arithmetic ceilings that forward and matmul GFLOP/s are set against. Our kernels do plain
// fp32 fused multiply-adds (f16 mode stores the matmul weights as f16 but accumulates in f32),
// so the ceiling is the GPU's fp32 non-tensor rate for both precisions. Datasheet rates are
// boost-clock peaks: no kernel reaches them, they say how far off the hardware's limit we are.

export interface Fp32Peak {
  /** What the figure is for. */
  gpu: string;
  gflops: number;
  source: string;
}

interface KnownPeak extends Fp32Peak {
  /** Matched against the adapter's vendor, architecture, device and description. */
  match: RegExp;
}

const KNOWN_FP32_PEAKS: readonly KnownPeak[] = [
  {
    match: /H200/i,
    gpu: 'NVIDIA H200 (SXM)',
    gflops: 67_000,
    source: 'NVIDIA H200 Tensor Core GPU datasheet: FP32 67 TFLOPS for H200 SXM (60 for H200 NVL); = 132 SMs x 128 FP32 lanes x 2 FLOP x 1.98 GHz boost',
  },
];

/** The peak to compare against: an explicit figure wins, else a known GPU's, else none. */
export function fp32PeakFor(adapterText: string, explicitGflops?: number): Fp32Peak | null {
  if (explicitGflops !== undefined) return { gpu: adapterText, gflops: explicitGflops, source: 'given on the command line (--peak-gflops)' };
  const known = KNOWN_FP32_PEAKS.find((p) => p.match.test(adapterText));
  return known ? { gpu: known.gpu, gflops: known.gflops, source: known.source } : null;
}
