// A timm model from two files the user picked or dropped (config.json + model.safetensors, as a
// hub repo or a local timm folder holds them), in the browser or anywhere Blobs exist: no
// request at all. The weights are read once; the tensors are views into that one buffer.
import { parseTimmConfig } from './config';
import { sha256Hex } from './manifest';
import { readSafetensors } from './safetensors';
import { checkTensors, type ViTWeights } from './weights';

/** Parses and checks config.json against the tensors of model.safetensors; errors name `name/<file>`. */
export function weightsFromBytes(name: string, configText: string, weights: Uint8Array, labels?: string[]): ViTWeights {
  const cfgName = `${name}/config.json`;
  const stName = `${name}/model.safetensors`;
  let raw: unknown;
  try {
    raw = JSON.parse(configText);
  } catch (e) {
    throw new Error(`${cfgName}: not valid JSON (${(e as Error).message})`);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${cfgName}: not a JSON object`);
  const tensors = readSafetensors(weights, stName);
  const shapes = Object.fromEntries([...tensors].map(([k, t]) => [k, t.shape]));
  let config;
  try {
    config = parseTimmConfig(name, raw as Record<string, unknown>, { labels, shapes });
  } catch (e) {
    throw new Error(`${cfgName}: ${(e as Error).message.replace(/^config\.json: /, '')}`);
  }
  checkTensors(config, tensors, stName);
  return { config, tensors };
}

/** The model and the sha256 of its model.safetensors (what identifies it), read once. */
export async function weightsFromFiles(name: string, config: Blob, weights: Blob, labels?: string[]): Promise<{ weights: ViTWeights; sha256: string }> {
  const [text, bytes] = await Promise.all([config.text(), weights.arrayBuffer()]);
  return { weights: weightsFromBytes(name, text, new Uint8Array(bytes), labels), sha256: await sha256Hex(bytes) };
}
