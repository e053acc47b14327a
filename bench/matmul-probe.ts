// The engine's matmul variant re-timed alone once per round, on its own device of the same route
// (an adapter gives one device), so "forward GFLOP/s vs best matmul" compares figures taken under
// the same machine load rather than against the engine's start-up measurement.
import { numPatches, prefixTokens, type ModelConfig } from '../src/model/config';
import { measureMatmuls } from '../src/gpu/matmul-choice';
import { requestNodeAdapter, type NodeRoute } from '../src/gpu/node-adapter';
import { loadShaderSources } from '../src/gpu/shader-source';
import type { MatmulVariant } from '../src/gpu/kernels';

export interface MatmulProbe {
  /** GFLOP/s of the variant, one figure per round timed. */
  gflops: number[];
  time(round: number): Promise<void>;
  dispose(): void;
}

export async function matmulProbe(variant: MatmulVariant, route: NodeRoute, c: ModelConfig): Promise<MatmulProbe> {
  const device = await (await requestNodeAdapter(route)).adapter.requestDevice();
  const src = await loadShaderSources();
  const gflops: number[] = [];
  return {
    gflops,
    time: async (round) => {
      // A fresh cache key makes measureMatmuls time again instead of returning cached figures.
      const t = await measureMatmuls(device, src, `bench round ${round}`, false, numPatches(c) + prefixTokens(c), c.mlpHidden, c.embedDim);
      gflops.push(t.find((m) => m.variant === variant)!.gflops);
    },
    dispose: () => device.destroy(),
  };
}
