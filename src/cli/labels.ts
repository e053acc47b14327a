// A labels file on disk (`file<TAB>class` or `file,class` per line), read for `tome eval`.
import { readFileSync } from 'node:fs';
import { parseLabelsText, type LabelRow } from '../eval/labels-text';

export function readLabelsFile(path: string): LabelRow[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new Error(`${path}: cannot read the labels file`);
  }
  return parseLabelsText(text, path);
}
