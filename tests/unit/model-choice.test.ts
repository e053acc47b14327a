// What the page accepts as a hub model or as local model files, before anything is sent to the
// worker (src/ui/model-choice.ts): one line for anything else.
import { describe, expect, it } from 'vitest';
import { modelFiles, repoFromInput } from '../../src/ui/page/model-choice';

const file = (name: string) => new File(['x'], name);

describe('repoFromInput', () => {
  it.each([
    ['timm/deit_small_patch16_224.fb_in1k', 'timm/deit_small_patch16_224.fb_in1k'],
    ['  hf:timm/vit_base_patch16_224.augreg2_in21k_ft_in1k ', 'timm/vit_base_patch16_224.augreg2_in21k_ft_in1k'],
    ['https://huggingface.co/timm/vit_small_patch16_224.augreg_in21k_ft_in1k', 'timm/vit_small_patch16_224.augreg_in21k_ft_in1k'],
    ['https://huggingface.co/timm/vit_small_patch16_224.augreg_in21k_ft_in1k/tree/main', 'timm/vit_small_patch16_224.augreg_in21k_ft_in1k'],
    ['https://huggingface.co/timm/vit_small_patch16_224.augreg_in21k_ft_in1k/blob/main/config.json', 'timm/vit_small_patch16_224.augreg_in21k_ft_in1k'],
  ])('%s -> %s', (typed, repo) => expect(repoFromInput(typed)).toBe(repo));

  it.each([
    ['', /is not a Hugging Face repo id \(it is empty/],
    ['timm/vit--tiny', /"--" and "\.\." are not allowed/],
    ['a/b/c', /use "namespace\/name"/],
    ['timm/vit tiny', /letters, digits/],
  ])('refuses %j in one line', (typed, re) => expect(() => repoFromInput(typed)).toThrow(re));
});

describe('modelFiles', () => {
  it('finds config.json and model.safetensors among the files, in any order, ignoring others', () => {
    const picked = modelFiles([file('README.md'), file('model.safetensors'), file('config.json')]);
    expect(typeof picked).toBe('object');
    expect(picked).toMatchObject({ config: { name: 'config.json' }, weights: { name: 'model.safetensors' } });
    expect(modelFiles([file('open_clip_config.json'), file('weights.safetensors')])).toMatchObject({ weights: { name: 'weights.safetensors' } });
  });

  it('names what it got when a file is missing', () => {
    expect(modelFiles([file('config.json')])).toBe('A local model is two files, config.json and model.safetensors (got config.json)');
    expect(modelFiles([])).toBe('A local model is two files, config.json and model.safetensors (got nothing)');
  });
});
