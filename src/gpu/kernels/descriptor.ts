// A compute kernel described once, as data: its WGSL files and entry point, the generated
// `const` header that specialises it, its uniform struct (named fields, in the WGSL struct's
// order and types), its storage bindings by name, its workgroup size and how many workgroups a
// dispatch needs. The forward plan, the tests and the micro-benchmarks all drive kernels
// through these, so a kernel's interface is written in TypeScript in exactly one place (and
// tests/unit/kernel-descriptors.test.ts checks it against the WGSL).

export type Family = 'preprocess' | 'patch_embed' | 'layernorm' | 'matmul' | 'attention' | 'tome_match' | 'tome_merge' | 'pool' | 'head';

/** The scalar types our uniform structs use. */
export type Scalar = 'u32' | 'f32';

/** A uniform struct's fields, in declaration order: name -> WGSL type. */
export type UniformFields = Record<string, Scalar>;

/** Values for every field of a uniform struct, by name. */
export type UniformValues<F extends UniformFields> = { readonly [K in keyof F]: number };

export interface UniformStruct<F extends UniformFields> {
  /** The struct's name in the WGSL source. */
  name: string;
  fields: F;
  /** Bytes the struct occupies (4 per field, rounded up to 16). */
  bytes: number;
  /** Writes `values` at `offset` of `view`, field by field, checking each fits its type. */
  pack(values: UniformValues<F>, view: DataView, offset?: number): void;
}

export function uniformStruct<F extends UniformFields>(name: string, fields: F): UniformStruct<F> {
  const entries = Object.entries(fields);
  return {
    name,
    fields,
    bytes: Math.ceil((4 * entries.length) / 16) * 16,
    pack(values, view, offset = 0) {
      entries.forEach(([field, type], i) => {
        const v = (values as Record<string, number>)[field];
        const at = offset + 4 * i;
        if (type === 'f32') {
          if (!Number.isFinite(v)) throw new Error(`${name}.${field} = ${v}: not a finite f32`);
          view.setFloat32(at, v, true);
        } else {
          if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new Error(`${name}.${field} = ${v}: not a u32`);
          view.setUint32(at, v, true);
        }
      });
    },
  };
}

export type Groups = [number, number, number];

export interface KernelDescriptor<F extends UniformFields, B extends string, O = void> {
  family: Family;
  /** Pipeline label, and the kernel's name in errors and benchmarks. */
  name: string;
  /** WGSL files (stems under src/shaders), concatenated in this order after the header. */
  sources: readonly string[];
  entry: string;
  /** Generated `const`s for the compile options (array sizes in private or workgroup memory
   * cannot come from override constants). */
  header?: (o: O) => string;
  /** The struct bound at binding 0. */
  uniform: UniformStruct<F>;
  /** Storage buffers the entry point uses: WGSL variable name -> binding number, in binding
   * order (an auto layout holds only the bindings an entry point uses). */
  bindings: { readonly [K in B]: number };
  /** @workgroup_size of the entry point (y is 1 for one-dimensional ones). */
  workgroup: readonly [number, number];
  /** Workgroups a dispatch with these uniforms needs. */
  groups(u: UniformValues<F>): Groups;
}

/** Any descriptor, for lists of them (compile options unknown). */
export type AnyDescriptor = KernelDescriptor<UniformFields, string, never>;

/** WGSL `const` declarations of u32 values, for a header. */
export function constHeader(values: Record<string, number>): string {
  return Object.entries(values)
    .map(([name, v]) => `const ${name}: u32 = ${v}u;\n`)
    .join('');
}

export const ceilDiv = (a: number, b: number): number => Math.ceil(a / b);
