// Startup: the model list into the selector, the default model loading, then the sample image.
import type { ModelIndexEntry } from '../../model/manifest';
import { bundledSample, type ImageSink } from './image-input';
import { defaultModel, listPageModels } from './model-list';
import { fillModelSelect, showLoadFailed } from './model-select';

export async function boot(loadModel: (modelId: string) => void, images: ImageSink): Promise<void> {
  let models: ModelIndexEntry[];
  try {
    models = await listPageModels();
  } catch (e) {
    showLoadFailed((e as Error).message);
    return;
  }
  const first = defaultModel(models);
  fillModelSelect(models, first.id);
  loadModel(first.id);
  await bundledSample(images);
}
