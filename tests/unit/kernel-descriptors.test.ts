// Each kernel descriptor against its WGSL: the uniform struct field for field (name, order,
// u32 vs f32), storage bindings by name and number, entry point and workgroup size; every entry
// point of every shader has a descriptor; and the uniform packer writes what the struct reads.
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL_KERNELS, layerNormKernel, uniformStruct, type AnyDescriptor } from '../../src/gpu/kernels';
import { loadShaderSources, type ShaderSources } from '../../src/gpu/shader-source';
import { entryPoints, interfaceMismatches, stripComments } from '../support/wgsl-interface';

let src: ShaderSources;
beforeAll(async () => {
  src = await loadShaderSources();
});

describe('kernel descriptors match their WGSL', () => {
  it.each(ALL_KERNELS.map((d) => [d.name, d] as const))('%s', (_name, desc) => {
    expect(interfaceMismatches(desc, src)).toEqual([]);
  });

  it('every compute entry point of every shader file has a descriptor', () => {
    const described = new Set(ALL_KERNELS.map((d) => `${d.sources[d.sources.length - 1]}.${d.entry}`));
    const found = Object.entries(src).flatMap(([file, code]) => [...entryPoints(stripComments(code)).keys()].map((e) => `${file}.${e}`));
    expect(found.length).toBeGreaterThan(10);
    expect(found.filter((e) => !described.has(e))).toEqual([]);
  });

  it('reports a descriptor that drifted from its WGSL', () => {
    const drifted = (over: Partial<AnyDescriptor>): AnyDescriptor => ({ ...layerNormKernel, ...over });
    const swapped = uniformStruct('Dims', { D: 'u32', rows: 'u32', inStride: 'u32', eps: 'f32' });
    const retyped = uniformStruct('Dims', { rows: 'u32', D: 'u32', inStride: 'u32', eps: 'u32' });
    const short = uniformStruct('Dims', { rows: 'u32', D: 'u32', inStride: 'u32' });
    expect(interfaceMismatches(drifted({ uniform: swapped }), src)).toHaveLength(1);
    expect(interfaceMismatches(drifted({ uniform: retyped }), src)[0]).toMatch(/eps: f32 .* eps: u32/);
    expect(interfaceMismatches(drifted({ uniform: short }), src)).toHaveLength(1);
    expect(interfaceMismatches(drifted({ uniform: uniformStruct('Params', swapped.fields) }), src).length).toBeGreaterThan(0);
    expect(interfaceMismatches(drifted({ bindings: { x: 1, params: 3, y: 2 } }), src)).toHaveLength(3);
    expect(interfaceMismatches(drifted({ bindings: { x: 1, gamma: 2, y: 3 } }), src)).toEqual(['layernorm: no storage variable "gamma" in the WGSL']);
    expect(interfaceMismatches(drifted({ workgroup: [32, 1] }), src)).toHaveLength(1);
    expect(interfaceMismatches(drifted({ entry: 'norm' }), src)).toHaveLength(1);
    expect(interfaceMismatches(drifted({ sources: ['layer_norm'] }), src)).toEqual(['layernorm: no shader layer_norm.wgsl']);
  });
});

describe('uniform packing', () => {
  const s = uniformStruct('S', { a: 'u32', scale: 'f32', b: 'u32' });

  it('writes fields in declaration order, u32 and f32 little-endian, size rounded up to 16 bytes', () => {
    expect(s.bytes).toBe(16);
    expect(uniformStruct('T', { a: 'u32', b: 'u32', c: 'u32', d: 'u32', e: 'u32' }).bytes).toBe(32);
    const view = new DataView(new ArrayBuffer(64));
    // Values given in another order than the struct's: the struct's order wins.
    s.pack({ b: 7, scale: 0.125, a: 4294967295 }, view, 16);
    expect(view.getUint32(16, true)).toBe(4294967295);
    expect(view.getFloat32(20, true)).toBe(0.125);
    expect(view.getUint32(24, true)).toBe(7);
    expect(view.getUint32(0, true)).toBe(0);
  });

  it('refuses values that do not fit the field type, naming the field', () => {
    const view = new DataView(new ArrayBuffer(16));
    expect(() => s.pack({ a: 1.5, scale: 1, b: 0 }, view)).toThrow('S.a = 1.5: not a u32');
    expect(() => s.pack({ a: -1, scale: 1, b: 0 }, view)).toThrow('S.a = -1: not a u32');
    expect(() => s.pack({ a: 2 ** 32, scale: 1, b: 0 }, view)).toThrow('not a u32');
    expect(() => s.pack({ a: 0, scale: NaN, b: 0 }, view)).toThrow('S.scale = NaN: not a finite f32');
    expect(() => s.pack({ a: 0, scale: 1 } as unknown as { a: number; scale: number; b: number }, view)).toThrow('S.b = undefined: not a u32');
  });
});
