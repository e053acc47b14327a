// A small graph builder over the generated ONNX protobuf classes (onnx-proto): named nodes,
// float32/int64 initializers and typed graph inputs/outputs, encoded to model bytes that any
// ONNX Runtime (node or web) loads. It knows nothing about ViTs; vit-graph.ts and merge-graph.ts use it.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
/** Attribute values: integers, integer lists, strings, or `{ float }` for a float attribute. */
export type AttrValue = number | number[] | string | { float: number };

/** ONNX opset the graphs target: 17 has LayerNormalization and keeps Reduce* axes as attributes. */
const OPSET = 17;

/** A dimension: its size, a symbolic name, or null (unknown). */
export type Dim = number | string | null;

/** The element types the graphs use. */
export type ElemType = 'float' | 'int64' | 'int32';

/** A value's element type and (when known) shape. */
export interface ValueType {
  type: ElemType;
  shape?: Dim[];
}

/** What a graph and its branches share: the value-name counter (names are unique across the
 * whole model, as ONNX asks of subgraphs) and the initializers (a branch reads them from the
 * outer scope). */
interface ModelScope {
  counter: number;
  initializers: InstanceType<typeof onnx.TensorProto>[];
}

export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];

  private readonly scope: ModelScope;
  private readonly isBranch: boolean;

  /** `outer`: the scope of the graph a branch belongs to (none for the model's graph). */
  constructor(
    private readonly name: string,
    outer?: ModelScope,
  ) {
    this.scope = outer ?? { counter: 0, initializers: [] };
    this.isBranch = outer !== undefined;
  }

  private get initializers() {
    return this.scope.initializers;
  }

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.scope.counter++}`;
  }

  input(name: string, elemType: ElemType, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** A graph output (`shape` left out: any rank, as a branch's outputs may differ in shape). */
  output(name: string, elemType: ElemType, shape?: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** A float32 constant tensor (weights keep their bytes: no copy through number arrays). */
  floats(name: string, data: Float32Array, dims: number[]): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initializer ${name}: ${data.length} values for dims [${dims}]`);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    this.initializers.push(onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes }));
    return name;
  }

  scalar(value: number): string {
    return this.floats(this.fresh('const'), Float32Array.of(value), []);
  }

  int64s(values: number[]): string {
    const name = this.fresh('shape');
    this.initializers.push(onnx.TensorProto.create({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values }));
    return name;
  }

  /** Adds one node; returns its first output's name (or the name given in `outName`). */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    const out = outName ?? this.fresh(opType.toLowerCase());
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: [out],
        name: this.fresh(`n_${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return out;
  }

  /** A Cast of `value` to `to` (named `outName` if given). */
  cast(value: string, to: ElemType, outName?: string): string {
    return this.op('Cast', [value], { to: ELEM_TYPES[to] }, outName);
  }

  /** Adds a node with several outputs; returns their names. */
  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}): string[] {
    const outs = Array.from({ length: outputs }, () => this.fresh(opType.toLowerCase()));
    this.nodes.push(
      onnx.NodeProto.create({
        opType,
        input: inputs,
        output: outs,
        name: this.fresh(`n_${opType}`),
        attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
      }),
    );
    return outs;
  }

  /**
   * An If node: `then` or `otherwise` builds its branch (which reads this graph's values by name)
   * and returns the branch's outputs, of the element types and shapes `types` (a dim the branches
   * may give different sizes: null). The shapes matter: ONNX Runtime infers the If's output
   * shapes from them, and without a rank the nodes after it lose their fusions (bias + GELU, the
   * attention's scaled MatMul). Returns the If's outputs.
   */
  ifElse(cond: string, types: Array<ValueType>, then: (g: GraphBuilder) => string[], otherwise: (g: GraphBuilder) => string[]): string[] {
    const branch = (name: string, body: (g: GraphBuilder) => string[]) => {
      const g = new GraphBuilder(this.fresh(name), this.scope);
      const outs = body(g);
      if (outs.length !== types.length) throw new Error(`If branch ${name}: ${outs.length} outputs, expected ${types.length}`);
      outs.forEach((o, i) => g.output(o, types[i].type, types[i].shape));
      return g.graph();
    };
    const thenBranch = branch('then', then);
    const elseBranch = branch('else', otherwise);
    const outs = types.map(() => this.fresh('if'));
    const T = onnx.AttributeProto.AttributeType;
    this.nodes.push(
      onnx.NodeProto.create({
        opType: 'If',
        input: [cond],
        output: outs,
        name: this.fresh('n_If'),
        attribute: [
          onnx.AttributeProto.create({ name: 'then_branch', type: T.GRAPH, g: thenBranch }),
          onnx.AttributeProto.create({ name: 'else_branch', type: T.GRAPH, g: elseBranch }),
        ],
      }),
    );
    return outs;
  }

  /** This graph's GraphProto (a branch's initializers live in the model's outer graph). */
  private graph() {
    const initializer = this.isBranch ? [] : this.initializers;
    return onnx.GraphProto.create({ name: this.name, node: this.nodes, initializer, input: this.inputs, output: this.outputs });
  }

  /** Serialized ModelProto. */
  encode(): Uint8Array {
    const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'tome-webgpu', opsetImport: [{ domain: '', version: OPSET }], graph: this.graph() });
    return onnx.ModelProto.encode(model).finish();
  }
}

const ELEM_TYPES = { float: onnx.TensorProto.DataType.FLOAT, int64: onnx.TensorProto.DataType.INT64, int32: onnx.TensorProto.DataType.INT32 } as const;

function valueInfo(name: string, elemType: ElemType, shape?: Dim[]) {
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: {
        elemType: ELEM_TYPES[elemType],
        ...(shape && { shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {})) } }),
      },
    },
  });
}

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, type: T.STRING, s: new TextEncoder().encode(v) });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, type: T.INTS, ints: v });
  if (typeof v === 'object') return onnx.AttributeProto.create({ name, type: T.FLOAT, f: v.float });
  if (!Number.isInteger(v)) throw new Error(`attribute ${name}: ${v} is not an integer (wrap floats as { float })`);
  return onnx.AttributeProto.create({ name, type: T.INT, i: v });
}
