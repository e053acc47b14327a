// Classifier tail (head.wgsl): softmax and top-5 per image. Logits and probabilities rows are
// `stride` apart (classes padded to a multiple of 4); top5 holds 5 (class, probability bits)
// pairs per image.
import { ceilDiv, uniformStruct, type KernelDescriptor } from './descriptor';

const headUniform = uniformStruct('Dims', { C: 'u32', batch: 'u32', stride: 'u32' });

export const headKernel: KernelDescriptor<typeof headUniform.fields, 'logits' | 'probs' | 'top5'> = {
  family: 'head',
  name: 'head',
  sources: ['head'],
  entry: 'main',
  uniform: headUniform,
  bindings: { logits: 1, probs: 2, top5: 3 },
  workgroup: [64, 1],
  groups: (u) => [ceilDiv(u.batch, 64), 1, 1],
};
