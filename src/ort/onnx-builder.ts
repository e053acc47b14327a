// A small graph builder over the generated ONNX protobuf classes (onnx-proto): named nodes,
// float32/int64 initializers, typed graph inputs/outputs and `If` branches (subgraphs that read
// the enclosing graph's values), encoded to model bytes that any ONNX Runtime (node or web)
// loads. It knows nothing about ViTs; vit-graph.ts uses it.
import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
/** Attribute values: integers, integer lists, strings, or `{ float }` for a float attribute. */
export type AttrValue = number | number[] | string | { float: number };

/** ONNX opset the graphs target: 17 has LayerNormalization and keeps Reduce* axes as attributes. */
const OPSET = 17;

export type Dim = number | string;

export type ElemType = 'float' | 'int64';

export class GraphBuilder {
  private readonly nodes: InstanceType<typeof onnx.NodeProto>[] = [];
  private readonly initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  private readonly inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  private readonly outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];

  /** `names` is shared with the branches, so every value name is unique in the whole model. */
  constructor(
    private readonly name: string,
    private readonly names = { counter: 0 },
  ) {}

  /** A fresh value name with a readable prefix. */
  fresh(prefix: string): string {
    return `${prefix}_${this.names.counter++}`;
  }

  input(name: string, elemType: ElemType, shape: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Declares `name` an output of this graph (a branch's outputs may leave the shape out). */
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
   * An `If` node: `then`/`otherwise` build the two branches (graphs without inputs that may read
   * any value of this graph) and return their outputs' names, whose types `types` gives; returns
   * the node's outputs, one per branch output.
   */
  ifElse(cond: string, types: ElemType[], then: (g: GraphBuilder) => string[], otherwise: (g: GraphBuilder) => string[]): string[] {
    const branch = (name: string, body: (g: GraphBuilder) => string[]) => {
      const g = new GraphBuilder(this.fresh(name), this.names);
      const outs = body(g);
      if (outs.length !== types.length) throw new Error(`If branch ${name}: ${outs.length} outputs for ${types.length} types`);
      // A branch output must be a value produced inside the branch.
      outs.forEach((o, i) => g.output(g.op('Identity', [o]), types[i]));
      return g.graph();
    };
    const outs = types.map(() => this.fresh('if'));
    const T = onnx.AttributeProto.AttributeType;
    this.nodes.push(
      onnx.NodeProto.create({
        opType: 'If',
        input: [cond],
        output: outs,
        name: this.fresh('n_If'),
        attribute: [
          onnx.AttributeProto.create({ name: 'then_branch', type: T.GRAPH, g: branch('then', then) }),
          onnx.AttributeProto.create({ name: 'else_branch', type: T.GRAPH, g: branch('else', otherwise) }),
        ],
      }),
    );
    return outs;
  }

  private graph() {
    return onnx.GraphProto.create({ name: this.name, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs });
  }

  /** Serialized ModelProto. */
  encode(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: 'tome-webgpu',
      opsetImport: [{ domain: '', version: OPSET }],
      graph: this.graph(),
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

function valueInfo(name: string, elemType: ElemType, shape?: Dim[]) {
  const elem = elemType === 'float' ? onnx.TensorProto.DataType.FLOAT : onnx.TensorProto.DataType.INT64;
  return onnx.ValueInfoProto.create({
    name,
    type: {
      tensorType: shape
        ? { elemType: elem, shape: { dim: shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } }
        : { elemType: elem },
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
