// The ViT as a TensorFlow GraphDef in TF.js's JSON form (the `modelTopology` of a graph model's
// model.json), over our weights by their timm names. It is what makes a converted model.json a
// genuine TF.js graph model: tfjs-converter's `loadGraphModel` loads it with the shards and runs
// the forward (the bench's tfjs peer does, and tests/unit/tfjs-peer.test.ts checks it against the
// official outputs). Only ops TF.js's converter executes, in the layouts timm stores: linear
// weights stay [out, in] (MatMul with transpose_b), the patch filter is OIHW (transposed to
// HWIO in the graph). No ToMe: the graph is the plain model, r = 0.
// Pure: plain JSON and numbers, no tfjs import, so the converter and the browser can both use it.
import { beyondPlainViT, gridSize, headDim, prefixTokens, type ModelConfig } from './config';

/** TF.js's JSON form of a TensorFlow AttrValue (strings base64, integers as decimal strings). */
type AttrValue =
  | { type: 'DT_FLOAT' | 'DT_INT32' }
  | { b: boolean }
  | { i: string }
  | { s: string }
  | { list: { i?: string[]; s?: string[] } }
  | { shape: { dim: Array<{ size: string }> } };

export interface GraphNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

/** A small tensor the graph needs besides the weights (shapes, axes, scalars): TF keeps these
 * as Const nodes too, so they travel as weights of their own group. */
export interface GraphConstant {
  name: string;
  dtype: 'int32' | 'float32';
  shape: number[];
  values: number[];
}

export interface TensorSignature {
  name: string;
  dtype: 'DT_FLOAT';
  tensorShape: { dim: Array<{ size: string }> };
}

export interface VitGraph {
  modelTopology: { node: GraphNode[]; versions: { producer: number } };
  signature: { inputs: Record<string, TensorSignature>; outputs: Record<string, TensorSignature> };
  constants: GraphConstant[];
}

/** The graph's input: preprocessed images, [batch, 3, S, S] (float32 CHW, normalised). */
export const GRAPH_INPUT = 'pixels';
/** The graph's output: logits, [batch, numClasses]. */
export const GRAPH_OUTPUT = 'logits';
/** Names of the graph's own constants start with this, so no timm tensor can collide with them. */
export const GRAPH_CONSTANT_PREFIX = 'graph/';

/** The ModelConfig fields this graph reads or knows to leave alone. A field it does not know
 * might change the forward (a new model family), so such a config gets no graph. */
const KNOWN_CONFIG_FIELDS = new Set([
  'id',
  'architecture',
  'embedDim',
  'depth',
  'numHeads',
  'patchSize',
  'imgSize',
  'mlpHidden',
  'numClasses',
  'distilled',
  'globalPool',
  // The families' fields: known, and refused below unless they are the plain ViT's.
  'classToken',
  'registers',
  'layerScale',
  'noEmbedClass',
  'preNorm',
  'act',
  'eps',
  'mean',
  'std',
  'cropPct',
  'interpolation',
  'propAttnDefault',
  'labels',
]);

const base64 = (s: string): string => btoa(s);
const dims = (shape: number[]) => ({ dim: shape.map((d) => ({ size: String(d) })) });
const FLOAT = { T: { type: 'DT_FLOAT' } } as const;

/** Builds the graph node by node; every name it returns is a tensor in the graph. */
class GraphBuilder {
  readonly nodes: GraphNode[] = [];
  readonly constants: GraphConstant[] = [];
  readonly weightsUsed = new Set<string>();
  private readonly constantNames = new Map<string, string>();

  constructor(private readonly weightNames: Set<string>) {}

  private add(name: string, op: string, input: string[], attr?: Record<string, AttrValue>): string {
    this.nodes.push({ name, op, input, ...(attr ? { attr } : {}) });
    return name;
  }

  /** A timm weight, as the Const node the weights manifest fills. */
  weight(name: string): string {
    if (!this.weightNames.has(name)) throw new Error(`TF.js graph: the weights have no ${name}`);
    if (!this.weightsUsed.has(name)) {
      this.weightsUsed.add(name);
      this.nodes.push({ name, op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } });
    }
    return name;
  }

  /** A constant of the graph's own, made once per distinct value. */
  constant(dtype: 'int32' | 'float32', shape: number[], values: number[]): string {
    const key = `${dtype}:${shape.join('x')}:${values.join(',')}`;
    let name = this.constantNames.get(key);
    if (!name) {
      name = `${GRAPH_CONSTANT_PREFIX}c${this.constants.length}`;
      this.constantNames.set(key, name);
      this.constants.push({ name, dtype, shape, values });
      this.nodes.push({ name, op: 'Const', attr: { dtype: { type: dtype === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } });
    }
    return name;
  }

  ints = (values: number[]) => this.constant('int32', [values.length], values);
  scalar = (value: number) => this.constant('float32', [], [value]);

  placeholder(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: dims(shape) } } });
    return name;
  }

  binary = (op: 'AddV2' | 'Sub' | 'Mul', name: string, a: string, b: string) => this.add(name, op, [a, b], FLOAT);
  unary = (op: 'Rsqrt' | 'Square' | 'Erf' | 'Softmax', name: string, x: string) => this.add(name, op, [x], FLOAT);
  reshape = (name: string, x: string, shape: number[]) => this.add(name, 'Reshape', [x, this.ints(shape)], FLOAT);
  transpose = (name: string, x: string, perm: number[]) => this.add(name, 'Transpose', [x, this.ints(perm)], FLOAT);
  mean = (name: string, x: string, axes: number[]) => this.add(name, 'Mean', [x, this.ints(axes)], { ...FLOAT, keep_dims: { b: true } });
  slice = (name: string, x: string, begin: number[], size: number[]) => this.add(name, 'Slice', [x, this.ints(begin), this.ints(size)], FLOAT);
  pad = (name: string, x: string, paddings: number[][]) => this.add(name, 'Pad', [x, this.constant('int32', [paddings.length, 2], paddings.flat())], FLOAT);

  split3(name: string, x: string, axis: number): [string, string, string] {
    this.add(name, 'Split', [this.constant('int32', [], [axis]), x], { ...FLOAT, num_split: { i: '3' } });
    return [`${name}:0`, `${name}:1`, `${name}:2`];
  }

  batchMatMul(name: string, a: string, b: string, adjY: boolean): string {
    return this.add(name, 'BatchMatMulV2', [a, b], { ...FLOAT, adj_x: { b: false }, adj_y: { b: adjY } });
  }

  /** x [rows, in] times the timm linear `prefix` ([out, in] weight, [out] bias), as TF.js's
   * fused MatMul + BiasAdd on the weight transposed in the graph. Not transpose_b instead:
   * tfjs-backend-wasm 4.22 computes _FusedMatMul with transpose_b and a bias wrongly (off by 0.23
   * on a 5x7 by 7x3 product, measured), and its plain MatMul with transpose_b leaves its fast
   * path (the ViT-Ti forward 3x slower, measured). The transposes run on every forward: 50-110
   * ms of ViT-Ti's weights on wasm, measured alone on a loaded machine. */
  linear(name: string, x: string, prefix: string): string {
    const wT = this.transpose(`${name}/weight_t`, this.weight(`${prefix}.weight`), [1, 0]);
    return this.add(name, '_FusedMatMul', [x, wT, this.weight(`${prefix}.bias`)], {
      ...FLOAT,
      num_args: { i: '1' },
      fused_ops: { list: { s: [base64('BiasAdd')] } },
      transpose_a: { b: false },
      transpose_b: { b: false },
    });
  }

  conv2dValid(name: string, x: string, filter: string, stride: number): string {
    return this.add(name, 'Conv2D', [x, filter], {
      ...FLOAT,
      strides: { list: { i: ['1', String(stride), String(stride), '1'] } },
      dilations: { list: { i: ['1', '1', '1', '1'] } },
      padding: { s: base64('VALID') },
      data_format: { s: base64('NHWC') },
    });
  }

  biasAdd = (name: string, x: string, bias: string) => this.add(name, 'BiasAdd', [x, bias], { ...FLOAT, data_format: { s: base64('NHWC') } });
  identity = (name: string, x: string) => this.add(name, 'Identity', [x], FLOAT);
}

/**
 * The graph of `config` over the weights named `weightNames`. Throws (one line) when the model
 * is not one this graph computes exactly: a config field it does not know, or a weight it would
 * leave unused.
 */
export function vitGraph(config: ModelConfig, weightNames: Iterable<string>): VitGraph {
  const unknown = Object.keys(config).filter((k) => !KNOWN_CONFIG_FIELDS.has(k));
  if (unknown.length) throw new Error(`TF.js graph: ${config.id} has config fields the graph does not express (${unknown.join(', ')})`);
  const beyond = beyondPlainViT(config, ['distilled', 'avgPool']);
  if (beyond) throw new Error(`TF.js graph: ${config.id}: the graph does not express ${beyond}`);
  const names = new Set(weightNames);
  const g = new GraphBuilder(names);
  const c = config;
  const D = c.embedDim;
  const S = c.imgSize;
  const P = c.patchSize;
  const G = gridSize(c);
  const prefix = prefixTokens(c);
  const T = G * G + prefix;
  const H = c.numHeads;
  const hd = headDim(c);

  const layerNorm = (name: string, x: string, params: string): string => {
    const mu = g.mean(`${name}/mean`, x, [-1]);
    const centered = g.binary('Sub', `${name}/centered`, x, mu);
    const variance = g.mean(`${name}/variance`, g.unary('Square', `${name}/square`, centered), [-1]);
    const inv = g.unary('Rsqrt', `${name}/rsqrt`, g.binary('AddV2', `${name}/var_eps`, variance, g.scalar(c.eps)));
    const scaled = g.binary('Mul', `${name}/scaled`, g.binary('Mul', `${name}/normed`, centered, inv), g.weight(`${params}.weight`));
    return g.binary('AddV2', `${name}/out`, scaled, g.weight(`${params}.bias`));
  };
  /** timm's GELU, the exact erf form: x/2 * (1 + erf(x / sqrt 2)). */
  const gelu = (name: string, x: string): string => {
    const erf = g.unary('Erf', `${name}/erf`, g.binary('Mul', `${name}/scaled`, x, g.scalar(Math.SQRT1_2)));
    return g.binary('Mul', `${name}/out`, g.binary('Mul', `${name}/half`, x, g.scalar(0.5)), g.binary('AddV2', `${name}/one_plus`, erf, g.scalar(1)));
  };

  // Patch embedding: NCHW -> NHWC, the OIHW filter -> HWIO, a stride-P convolution, its bias.
  const pixels = g.placeholder(GRAPH_INPUT, [-1, 3, S, S]);
  const nhwc = g.transpose('patch_embed/nhwc', pixels, [0, 2, 3, 1]);
  const filter = g.transpose('patch_embed/hwio', g.weight('patch_embed.proj.weight'), [2, 3, 1, 0]);
  const conv = g.biasAdd('patch_embed/proj', g.conv2dValid('patch_embed/conv', nhwc, filter, P), g.weight('patch_embed.proj.bias'));
  const patches = g.reshape('patch_embed/tokens', conv, [-1, G * G, D]);
  // Prefix tokens in front: zero rows padded in front of the patches, plus the position
  // embedding with the class (and distillation) token added to its first rows: the same sums as
  // timm's cat-then-add, without a batch-sized tile.
  let prefixRows = g.pad('embed/cls_rows', g.weight('cls_token'), [
    [0, 0],
    [0, T - 1],
    [0, 0],
  ]);
  if (c.distilled) {
    const dist = g.pad('embed/dist_rows', g.weight('dist_token'), [
      [0, 0],
      [1, T - 2],
      [0, 0],
    ]);
    prefixRows = g.binary('AddV2', 'embed/prefix_rows', prefixRows, dist);
  }
  const embed = g.binary('AddV2', 'embed/pos_and_prefix', g.weight('pos_embed'), prefixRows);
  const padded = g.pad('embed/patch_rows', patches, [
    [0, 0],
    [prefix, 0],
    [0, 0],
  ]);
  let x = g.reshape('embed/rows', g.binary('AddV2', 'embed/out', padded, embed), [-1, D]);

  for (let i = 0; i < c.depth; i++) {
    const b = `blocks.${i}`;
    const heads = (name: string, t: string) => g.transpose(`${name}/heads`, g.reshape(`${name}/split_heads`, t, [-1, T, H, hd]), [0, 2, 1, 3]);
    const [q, k, v] = g.split3(`${b}/attn/qkv_split`, g.linear(`${b}/attn/qkv`, layerNorm(`${b}/norm1`, x, `${b}.norm1`), `${b}.attn.qkv`), 1);
    const scores = g.batchMatMul(
      `${b}/attn/scores`,
      heads(`${b}/attn/q`, g.binary('Mul', `${b}/attn/q_scaled`, q, g.scalar(hd ** -0.5))),
      heads(`${b}/attn/k`, k),
      true,
    );
    const ctx = g.batchMatMul(`${b}/attn/ctx`, g.unary('Softmax', `${b}/attn/softmax`, scores), heads(`${b}/attn/v`, v), false);
    const merged = g.reshape(`${b}/attn/merge_heads`, g.transpose(`${b}/attn/ctx_tokens`, ctx, [0, 2, 1, 3]), [-1, D]);
    x = g.binary('AddV2', `${b}/attn_residual`, x, g.linear(`${b}/attn/proj`, merged, `${b}.attn.proj`));
    const hidden = gelu(`${b}/mlp/gelu`, g.linear(`${b}/mlp/fc1`, layerNorm(`${b}/norm2`, x, `${b}.norm2`), `${b}.mlp.fc1`));
    x = g.binary('AddV2', `${b}/mlp_residual`, x, g.linear(`${b}/mlp/fc2`, hidden, `${b}.mlp.fc2`));
  }

  // timm's head. The final norm is per token, so norming only the rows the head reads is exact.
  const tokens = g.reshape('head/tokens', x, [-1, T, D]);
  const row = (name: string, index: number) => g.reshape(`${name}/row`, g.slice(`${name}/slice`, tokens, [0, index, 0], [-1, 1, D]), [-1, D]);
  let logits: string;
  if (c.globalPool === 'avg') {
    const pooled = g.reshape('head/pooled', g.mean('head/mean', g.slice('head/patch_tokens', tokens, [0, prefix, 0], [-1, -1, D]), [1]), [-1, D]);
    logits = g.linear('head/logits', layerNorm('head/fc_norm', pooled, 'fc_norm'), 'head');
  } else {
    logits = g.linear('head/logits', layerNorm('head/norm', row('head/cls', 0), 'norm'), 'head');
    if (c.distilled) {
      const dist = g.linear('head/dist_logits', layerNorm('head/dist_norm', row('head/dist', 1), 'norm'), 'head_dist');
      logits = g.binary('Mul', 'head/mean_of_heads', g.binary('AddV2', 'head/sum_of_heads', logits, dist), g.scalar(0.5));
    }
  }
  g.identity(GRAPH_OUTPUT, logits);

  const unused = [...names].filter((n) => !g.weightsUsed.has(n));
  if (unused.length)
    throw new Error(`TF.js graph: ${config.id} has weights the graph does not use (${unused.slice(0, 3).join(', ')}${unused.length > 3 ? ', ...' : ''})`);
  const sig = (name: string, shape: number[]): TensorSignature => ({ name: `${name}:0`, dtype: 'DT_FLOAT', tensorShape: dims(shape) });
  return {
    modelTopology: { node: g.nodes, versions: { producer: 1 } },
    signature: { inputs: { [GRAPH_INPUT]: sig(GRAPH_INPUT, [-1, 3, S, S]) }, outputs: { [GRAPH_OUTPUT]: sig(GRAPH_OUTPUT, [-1, c.numClasses]) } },
    constants: g.constants,
  };
}
