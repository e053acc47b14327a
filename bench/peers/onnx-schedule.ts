// ONNX Runtime's own ToMe graph at any r per block, from the official export at a constant r.
//
// The shared ToMe graph (the official timm patch through torch.onnx.export) is static: tracing
// turned each block's r into int64 constants (the slices `[..., :r]`, `[..., r:]` and the merged
// shapes), and nothing else in a block carries the value. Rewriting those constants block by
// block gives the official graph at another schedule (e.g. decreasing-16, which has no export);
// a block whose r is 0 runs no merge in the official code, so there its merge is cut out and the
// block passes x and the token sizes through. The result is checked against the golden outputs
// like any peer before it is timed.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
// Decoding makes class instances (repeated fields never null); the generated types say interfaces.
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

const INT64 = 7;

/** A Constant node's value when it is one int64 (scalar or 1-element), else undefined. */
function int64Value(t: TensorProto | null | undefined): bigint | undefined {
  if (!t || t.dataType !== INT64) return undefined;
  // dims and int64Data hold numbers or Longs (protobufjs); both print as their decimal value.
  const count = (t.dims as unknown[]).reduce((a: number, d) => a * Number(String(d)), 1);
  if (count !== 1) return undefined;
  if (t.rawData?.length === 8) return Buffer.from(t.rawData).readBigInt64LE(0);
  if (t.int64Data?.length === 1) return BigInt(String(t.int64Data[0] as unknown));
  return undefined;
}

function setInt64(t: TensorProto, v: number): void {
  const raw = Buffer.alloc(8);
  raw.writeBigInt64LE(BigInt(v));
  t.rawData = raw;
  t.int64Data = [];
}

/** The block a node of the export belongs to (`/blocks/blocks.3/...`), or -1. */
function blockOf(n: NodeProto): number {
  const m = /^\/blocks\/blocks\.(\d+)\//.exec(n.output[0] ?? '');
  return m ? Number(m[1]) : -1;
}

/**
 * The official export at constant `exportedR` (bytes of the .onnx file), rewritten to merge
 * `rs[b]` tokens in block b. Every rs[b] must be at most what the block's tokens allow (as
 * `clampR` gives); the token count of each block then follows from rs.
 */
export function officialGraphAtSchedule(exported: Uint8Array, exportedR: number, rs: number[]): Uint8Array {
  const model = onnx.ModelProto.decode(exported);
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
  let nodes = graph.node as NodeProto[];
  const valueOf = (n: NodeProto) => n.attribute.find((a) => a.name === 'value')?.t as TensorProto | undefined;
  const depth = 1 + Math.max(...nodes.map(blockOf));
  if (depth === 0) throw new Error('no /blocks/blocks.N/ nodes: not a timm export');
  if (rs.length !== depth) throw new Error(`schedule has ${rs.length} blocks, the graph ${depth}`);

  // r's constants, per block: every int64 Constant equal to the exported r. The export has the
  // same count in every block (checked), so no other constant is taken for r by accident.
  const rConstants: NodeProto[][] = Array.from({ length: depth }, () => []);
  for (const n of nodes) {
    if (n.opType === 'Constant' && blockOf(n) >= 0 && int64Value(valueOf(n)) === BigInt(exportedR)) rConstants[blockOf(n)].push(n);
  }
  if (!rConstants[0].length || rConstants.some((c) => c.length !== rConstants[0].length))
    throw new Error(`the constants of r = ${exportedR} differ between blocks (${rConstants.map((c) => c.length).join(', ')}): not the official ToMe export`);

  const rename = new Map<string, string>();
  rs.forEach((r, b) => {
    if (r > 0) for (const n of rConstants[b]) setInt64(valueOf(n)!, r);
    else bypassMerge(nodes, b, rename);
  });
  if (rename.size) {
    // Consecutive cut blocks chain: the sizes entering one are the renamed sizes of the last.
    const resolve = (name: string): string => (rename.has(name) ? resolve(rename.get(name)!) : name);
    for (const n of nodes) n.input = n.input.map(resolve);
    nodes = liveNodes(nodes, new Set(graph.output.map((o) => o.name!)));
    graph.node = nodes;
  }
  return onnx.ModelProto.encode(model).finish();
}

/**
 * Block b's merge, cut out: the merged x (the Div of the size-weighted sum by the summed sizes,
 * which feeds norm2) becomes the x entering the merge, and the new sizes the sizes entering it.
 * Both are read off the merge's first product, x · size.
 */
function bypassMerge(nodes: NodeProto[], b: number, rename: Map<string, string>): void {
  const inBlock = nodes.filter((n) => blockOf(n) === b);
  const producer = new Map(inBlock.flatMap((n) => n.output.map((o) => [o, n] as const)));
  const norm2 = inBlock.find((n) => n.opType === 'LayerNormalization' && n.output[0].includes('/norm2/'));
  const div = norm2 && producer.get(norm2.input[0]);
  // Div(Concat(GatherElements(Slice(x·size)), ScatterElements(...)), Concat(sizes)).
  const mergedSum = div?.opType === 'Div' ? producer.get(div.input[0]) : undefined;
  const gather = mergedSum?.opType === 'Concat' ? producer.get(mergedSum.input[0]) : undefined;
  const slice = gather?.opType === 'GatherElements' ? producer.get(gather.input[0]) : undefined;
  const weighted = slice?.opType === 'Slice' ? producer.get(slice.input[0]) : undefined;
  if (!div || div.opType !== 'Div' || weighted?.opType !== 'Mul') throw new Error(`block ${b}: no official merge found to cut out`);
  rename.set(div.output[0], weighted.input[0]);
  rename.set(div.input[1], weighted.input[1]);
}

/** The nodes that some graph output depends on, in their order. */
function liveNodes(nodes: NodeProto[], outputs: Set<string>): NodeProto[] {
  const needed = new Set(outputs);
  const live = new Array<boolean>(nodes.length).fill(false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (!nodes[i].output.some((o) => needed.has(o))) continue;
    live[i] = true;
    for (const input of nodes[i].input) if (input) needed.add(input);
  }
  return nodes.filter((_, i) => live[i]);
}
