// The weights of the golden models (../shared/weights, as the official outputs in
// src/golden's cases were made with), read once per test file.
import { readTimmDir } from '../../src/model/timm-dir';
import type { ViTWeights } from '../../src/model/weights';
import { sharedPath } from '../../src/golden';

const models = new Map<string, ViTWeights>();

/** The model's weights, read once per test file. */
export function loadModel(id: string): ViTWeights {
  let w = models.get(id);
  if (!w) {
    w = readTimmDir(sharedPath('weights', id), { classesTsv: sharedPath('imagenet', 'classes.tsv') });
    models.set(id, w);
  }
  return w;
}
