// The benchmark peer: our converted model as TF.js itself runs it. tfjs-converter's loadGraphModel
// loads the graph model the converter writes as model.json (the ViT's GraphDef over the same
// weights, src/model/tfjs-graph.ts) and executes it op by op on a stock tfjs backend: what a user
// would pick instead of our engine. No ToMe (r = 0 only): it answers "how fast is the plain model
// on a mainstream WebGPU/WASM runtime", against which our r = 0 and r > 0 are compared.
import * as tf from '@tensorflow/tfjs-core';
import type { io } from '@tensorflow/tfjs-core';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { graphModelArtifacts } from '../../src/model/manifest';
import { GRAPH_INPUT, GRAPH_OUTPUT } from '../../src/model/tfjs-graph';
import type { ViTWeights } from '../../src/model/weights';

export class TfjsGraphPeer {
  private constructor(
    private readonly model: GraphModel,
    private readonly imgSize: number,
  ) {}

  /** Loads a graph model onto the backend active now (call tf.setBackend first): from an
   * io.IOHandler (a model.json on disk, src/model/load-node.ts's nodeFileHandler), or built in
   * memory from weights exactly as the converter would write it (any model `tome bench` runs). */
  static async load(source: io.IOHandler | ViTWeights): Promise<TfjsGraphPeer> {
    const handler: io.IOHandler = 'tensors' in source ? { load: async () => graphModelArtifacts(source) } : source;
    const model = await loadGraphModel(handler);
    const shape = model.inputs[0]?.shape;
    if (shape?.length !== 4 || shape[1] !== 3) throw new Error(`TF.js graph: expected an input of [batch, 3, S, S], got [${shape?.join(', ')}]`);
    return new TfjsGraphPeer(model, shape[2]);
  }

  /** Logits per image of a batch of preprocessed CHW images, read back to the host (so timings
   * include the GPU work). */
  async run(inputs: Float32Array[]): Promise<Float32Array[]> {
    const S = this.imgSize;
    const batch = new Float32Array(inputs.length * 3 * S * S);
    inputs.forEach((x, i) => {
      if (x.length !== 3 * S * S) throw new Error(`input ${i}: ${x.length} floats, expected 3x${S}x${S}`);
      batch.set(x, i * 3 * S * S);
    });
    const logits = tf.tidy(() => this.model.execute({ [GRAPH_INPUT]: tf.tensor4d(batch, [inputs.length, 3, S, S]) }, GRAPH_OUTPUT) as tf.Tensor);
    try {
      const flat = (await logits.data()) as Float32Array;
      const n = flat.length / inputs.length;
      return inputs.map((_, i) => flat.slice(i * n, (i + 1) * n));
    } finally {
      logits.dispose();
    }
  }

  dispose(): void {
    this.model.dispose();
  }
}
