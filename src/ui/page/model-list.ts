// The models the page can load and where their weights are: today the ones `npm run weights`
// converted into public/weights (listed in its index.json), served beside the page.
import { listModelsBrowser } from '../../model/load-browser';
import type { ModelIndexEntry } from '../../model/manifest';

export const WEIGHTS_URL = `${import.meta.env.BASE_URL}weights/`;
const DEFAULT_MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

/** The converted models; throws a one-line reason when there are none to offer. */
export async function listPageModels(): Promise<ModelIndexEntry[]> {
  const models = await listModelsBrowser(WEIGHTS_URL);
  if (!models.length) throw new Error('public/weights/index.json lists no model (run `npm run weights`)');
  return models;
}

/** The model selected at start: ViT-Ti where it was converted, else the first listed. */
export function defaultModel(models: ModelIndexEntry[]): ModelIndexEntry {
  return models.find((m) => m.id === DEFAULT_MODEL) ?? models[0];
}
