// A described kernel compiled into a pipeline, and bind groups made from buffers given by name.
import type { ShaderSources } from '../shader-source';
import type { KernelDescriptor, UniformFields, UniformValues } from './descriptor';

export interface Kernel<F extends UniformFields = UniformFields, B extends string = string> {
  /** Its compile options (`never` here) only matter while compiling. */
  desc: KernelDescriptor<F, B, never>;
  pipeline: GPUComputePipeline;
}

/** Compile options as call arguments: none for kernels without a header. */
type OptionsArg<O> = O extends void ? [] : [O];

/** The WGSL module of a kernel: its generated header, then its files. */
function kernelCode<F extends UniformFields, B extends string, O>(src: ShaderSources, desc: KernelDescriptor<F, B, O>, o: O): string {
  const files = desc.sources.map((s) => {
    const text = src[s];
    if (text === undefined) throw new Error(`shader ${s}.wgsl not found (kernel ${desc.name})`);
    return text;
  });
  return (desc.header?.(o) ?? '') + files.join('\n');
}

export async function compileKernel<F extends UniformFields, B extends string, O>(
  device: GPUDevice,
  src: ShaderSources,
  desc: KernelDescriptor<F, B, O>,
  ...[o]: OptionsArg<O>
): Promise<Kernel<F, B>> {
  const label = desc.name;
  const module = device.createShaderModule({ label, code: kernelCode(src, desc, o as O) });
  const pipeline = await device.createComputePipelineAsync({ label, layout: 'auto', compute: { module, entryPoint: desc.entry } });
  return { desc, pipeline };
}

/** A bind group for `kernel`: its uniform at binding 0, each storage buffer at its named binding. */
export function bindKernel<F extends UniformFields, B extends string>(
  device: GPUDevice,
  kernel: Kernel<F, B>,
  uniform: GPUBufferBinding,
  buffers: Readonly<Record<B, GPUBuffer>>,
  label = kernel.desc.name,
): GPUBindGroup {
  const entries: GPUBindGroupEntry[] = [{ binding: 0, resource: uniform }];
  for (const [name, binding] of Object.entries(kernel.desc.bindings) as Array<[B, number]>) {
    const buffer = buffers[name];
    if (!buffer) throw new Error(`${kernel.desc.name}: no buffer for binding "${name}"`);
    entries.push({ binding, resource: { buffer } });
  }
  return device.createBindGroup({ label, layout: kernel.pipeline.getBindGroupLayout(0), entries });
}

/** One dispatch of a kernel outside a forward plan, with a uniform buffer of its own (engine
 * start-up measurements, kernel tests, micro-benchmarks); destroy `uniform` when done. */
export interface StandaloneDispatch {
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  groups: [number, number, number];
  uniform: GPUBuffer;
}

export function standaloneDispatch<F extends UniformFields, B extends string>(
  device: GPUDevice,
  kernel: Kernel<F, B>,
  values: UniformValues<F>,
  buffers: Readonly<Record<B, GPUBuffer>>,
): StandaloneDispatch {
  const { uniform: struct } = kernel.desc;
  const uniform = device.createBuffer({ label: `${kernel.desc.name} uniform`, size: struct.bytes, usage: GPUBufferUsage.UNIFORM, mappedAtCreation: true });
  struct.pack(values, new DataView(uniform.getMappedRange()));
  uniform.unmap();
  const bindGroup = bindKernel(device, kernel, { buffer: uniform }, buffers);
  return { pipeline: kernel.pipeline, bindGroup, groups: kernel.desc.groups(values), uniform };
}
