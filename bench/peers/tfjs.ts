// The TensorFlow.js peers (webgpu on our adapter's route, wasm, cpu) on the same ViT and weights:
// each must give the official top-1 on every golden input before it is timed.
import type { BenchRow } from '../../src/core/results';
import { topK } from '../../src/core/prediction';
import { beyondPlainViT } from '../../src/model/config';
import type { ViTWeights } from '../../src/model/weights';
import type { ConcreteRoute } from '../../src/gpu/node-adapter';
import { batchOf, type BenchInputs } from '../inputs';
import { benchRows, RoundRobin, timeRoundRobin, type BenchSetting } from '../timing';

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

export async function tfjsPeerRows(weights: ViTWeights, golden: BenchInputs, batches: number[], repeat: number, route: ConcreteRoute): Promise<BenchRow[]> {
  const c = weights.config;
  // The peer is the plain class-token ViT with a head; it would misread the others' weights.
  const beyond = beyondPlainViT(c);
  if (beyond) {
    log(`tfjs peers: skipped for ${c.id} (they build a plain class-token ViT with a head, not for ${beyond})`);
    return [];
  }
  const { usePeerBackend } = await import('./tfjs-backends');
  const { TfjsViT } = await import('./tfjs-vit');
  const { inputs, r0Top1 } = golden;
  const rows: BenchRow[] = [];
  for (const name of ['webgpu', 'wasm', 'cpu'] as const) {
    try {
      await usePeerBackend(name, { adapterRoute: route });
    } catch (e) {
      log(`tfjs-${name} unavailable: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const model = new TfjsViT(weights);
    // Same top-1 as the official r = 0 forward on every golden input before anything is timed.
    const logits = await model.run(inputs);
    const wrong = r0Top1 ? logits.filter((l, i) => topK(l, 1)[0].index !== r0Top1[i]).length : 0;
    if (!r0Top1) log(`tfjs-${name}: not checked against the official top-1 (no golden inputs for ${weights.config.id})`);
    if (wrong) throw new Error(`tfjs-${name} peer disagrees with the golden top-1 on ${wrong} of ${inputs.length} inputs`);
    // tfjs-cpu takes seconds per image here: batch 1 and few rounds keep the bench bounded.
    const settings: BenchSetting[] = (name === 'cpu' ? [1] : batches).map((batch) => ({ engine: `tfjs-${name}`, r: 0, schedule: 'constant', batch }));
    const rr = new RoundRobin(settings, 1, name === 'cpu' ? Math.min(3, repeat) : repeat);
    await timeRoundRobin(
      rr,
      (s) => model.run(batchOf(inputs, s.batch)),
      (round) => log(`tfjs-${name}: round ${round + 1}/${rr.timedRounds}`),
    );
    rows.push(...benchRows(settings, rr.samples));
    model.dispose();
  }
  return rows;
}
