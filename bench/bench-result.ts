// The JSON of one bench run (printed by `tome bench`, saved as bench/results/<adapter>.json): the
// CLI contract's adapter and rows, plus everything else the run measured.
import type { BenchOutput } from '../src/core/results';
import type { MatmulTiming } from '../src/gpu/matmul-choice';
import type { ForwardProfile, TomeOverhead } from '../src/core/profile';
import type { PeerInfo } from './peers/golden-check';
import type { TargetCheck } from './targets';
import type { VideoFrameBench } from './video-frame';

export interface ProfileSummary {
  r: number;
  source: ForwardProfile['source'];
  totalMs: number;
  tomeMs: number;
  tomeShare: number;
  perFamilyMs: Record<string, number>;
  perFamilyShare: Record<string, number>;
  perBlockMs: number[];
}

export interface BenchResult extends BenchOutput {
  adapter: { route: string; vendor: string; architecture: string; device: string; description: string; features: string[]; precision: string; matmul: string };
  model: string;
  matmulTimings: MatmulTiming[];
  matmulGflopsPerRound: number[];
  tomeOverhead: TomeOverhead[];
  flopsPerImage: Record<string, number>;
  profile: ProfileSummary[];
  /** The ONNX Runtime peers: which provider ran where, and their check against the golden outputs. */
  peers: PeerInfo[];
  /** A 640x480 video frame through the texture path at the page's settings. */
  video: VideoFrameBench;
  targets: TargetCheck[];
}
