// What names a class in a user's folder or labels file: a class index ("207"), a WordNet id
// ("n02099601"), or a class name the model knows ("golden retriever", "golden_retriever"). One
// resolver for the CLI and the page, built from the model's config alone.
import type { ModelConfig } from '../model/config';
import imagenetSynsets from '../model/imagenet-synsets.json';

export type ClassKeyResult = { index: number } | { unknown: string };

/** Turns a folder name or a labels-file value into a class index of the model, or says why not. */
export type ClassResolver = (key: string) => ClassKeyResult;

const WORDNET_ID = /^n\d{8}$/;

/** Folder names spell spaces as underscores or hyphens; case is the user's. */
function normalise(name: string): string {
  return name.replace(/[_-]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** name -> its indices (a name can belong to two classes: ImageNet's "crane", bird and machine). */
function indexByName(labels: string[], fold: (s: string) => string): Map<string, number[]> {
  const map = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const key = fold(normalise(label));
    map.set(key, [...(map.get(key) ?? []), i]);
  });
  return map;
}

/**
 * WordNet ids come from the model's own label names when they are ids (timm's ImageNet-21k
 * configs), else from ImageNet-1k's class order for a 1000-class model. Names match exactly
 * first, then ignoring case; a name two classes share is refused as ambiguous, never guessed.
 */
export function classResolver(config: Pick<ModelConfig, 'numClasses' | 'labels'>): ClassResolver {
  const synsets = config.labels.every((l) => WORDNET_ID.test(l)) ? config.labels : config.numClasses === 1000 ? imagenetSynsets : [];
  const synsetIndex = new Map(synsets.map((s, i) => [s, i]));
  const exact = indexByName(config.labels, (s) => s);
  const folded = indexByName(config.labels, (s) => s.toLowerCase());
  return (raw) => {
    const key = raw.trim();
    if (/^\d+$/.test(key)) {
      const index = Number(key);
      return index < config.numClasses ? { index } : { unknown: `class index ${index} is out of range (the model has ${config.numClasses} classes)` };
    }
    if (WORDNET_ID.test(key)) {
      const index = synsetIndex.get(key);
      if (index !== undefined) return { index };
      return { unknown: synsets.length ? `WordNet id ${key} is not one of the model's classes` : `the model's classes have no WordNet ids` };
    }
    const name = normalise(key);
    const hits = exact.get(name) ?? folded.get(name.toLowerCase()) ?? [];
    if (hits.length === 1) return { index: hits[0] };
    if (hits.length > 1) return { unknown: `"${key}" names ${hits.length} classes (${hits.join(', ')}): use the class index or WordNet id` };
    return { unknown: `"${key}" is not a class name, WordNet id or class index of this model` };
  };
}
