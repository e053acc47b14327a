import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLabelsFile } from '../../src/cli/labels';

const dir = mkdtempSync(join(tmpdir(), 'tome-labels-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('label files', () => {
  it('accepts a header line', () => {
    expect(readLabelsFile(file('h.tsv', 'file\tclass_index\na.JPEG\t3\nb.JPEG\t7\n'))).toEqual([
      { file: 'a.JPEG', key: '3', line: 2 },
      { file: 'b.JPEG', key: '7', line: 3 },
    ]);
  });
  it('accepts no header and CRLF line ends', () => {
    expect(readLabelsFile(file('n.tsv', 'a.JPEG\t3\r\nb.JPEG\t7\r\n'))).toHaveLength(2);
  });
  it('reads a csv by its extension', () => {
    expect(readLabelsFile(file('l.csv', 'file,class\na.JPEG,tench\n'))).toEqual([{ file: 'a.JPEG', key: 'tench', line: 2 }]);
  });
  it('rejects a malformed row with its line number', () => {
    expect(() => readLabelsFile(file('bad.tsv', 'a.JPEG\t3\nb.JPEG seven\n'))).toThrow(/bad\.tsv:2/);
  });
  it('rejects a missing file by name', () => {
    expect(() => readLabelsFile(join(dir, 'none.tsv'))).toThrow(/none\.tsv/);
  });
});
