// The rooms of ARCHITECTURE.md and their import rules, checked on the source tree: every relative
// import of every TypeScript file under src/, bench/, remote-gpu/ and scripts/ goes to a room its
// own room may use (the page and its worker meet only through the message contract,
// src/ui/protocol.ts), src/ reaches into bench/ only through its public entry points, and no
// file is part of an import cycle.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '../..');

/** Which rooms each room may import from (itself included). Lower layers never see higher ones. */
const ALLOWED: Record<string, string[]> = {
  model: ['model'],
  core: ['model', 'core'],
  eval: ['model', 'core', 'eval'],
  reference: ['model', 'core', 'reference'],
  gpu: ['model', 'core', 'gpu', 'shaders'],
  ort: ['model', 'core', 'reference', 'ort'],
  golden: ['core', 'golden'],
  backends: ['model', 'core', 'reference', 'gpu', 'ort', 'backends'],
  bench: ['model', 'core', 'eval', 'reference', 'gpu', 'ort', 'backends', 'golden', 'bench'],
  'remote-gpu': ['model', 'core', 'gpu', 'golden', 'bench', 'remote-gpu'],
  cli: ['model', 'core', 'eval', 'reference', 'gpu', 'ort', 'backends', 'golden', 'bench', 'cli'],
  protocol: ['model', 'core', 'eval', 'protocol'],
  page: ['model', 'core', 'eval', 'protocol', 'page'],
  worker: ['model', 'core', 'eval', 'reference', 'gpu', 'ort', 'backends', 'protocol', 'worker'],
  scripts: ['model', 'core', 'golden', 'scripts'],
};

/** The only bench/ modules src/ may import: the bench entry point and the JSON it returns. */
const BENCH_ENTRY_POINTS = ['bench/run.ts', 'bench/bench-result.ts'];

function roomOf(file: string): string {
  const parts = relative(ROOT, file).split('/');
  if (parts[0] !== 'src') return parts[0];
  // src/ui holds two threads: the page (src/ui/page) and its worker (src/ui/worker), and the
  // messages between them (src/ui/protocol.ts).
  if (parts[1] === 'ui') return parts[2] === 'protocol.ts' ? 'protocol' : parts[2];
  return parts[1];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) return name === 'results' ? [] : sourceFiles(p);
    return p.endsWith('.ts') && !p.endsWith('.d.ts') ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = resolve(dirname(from), spec.replace(/\?.*$/, ''));
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  throw new Error(`${relative(ROOT, from)}: cannot resolve import '${spec}'`);
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specs = [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*'([^']+)'/g), ...text.matchAll(/import\(\s*'([^']+)'\s*\)/g)].map((m) => m[1]);
  return specs.map((s) => resolveImport(file, s)).filter((p): p is string => p !== null);
}

const files = ['src', 'bench', 'remote-gpu', 'scripts'].flatMap((d) => sourceFiles(join(ROOT, d)));
const graph = new Map(files.map((f) => [f, importsOf(f)]));

describe('architecture', () => {
  it('finds the rooms', () => {
    expect(new Set(files.map(roomOf))).toEqual(new Set(Object.keys(ALLOWED).filter((r) => r !== 'shaders')));
  });

  it('imports run one way: no room imports from a room above it', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      const room = roomOf(file);
      for (const dep of deps) {
        if (!ALLOWED[room].includes(roomOf(dep))) wrong.push(`${relative(ROOT, file)} -> ${relative(ROOT, dep)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('src/ uses bench/ only through its entry points', () => {
    const wrong: string[] = [];
    for (const [file, deps] of graph) {
      if (!relative(ROOT, file).startsWith('src/')) continue;
      for (const dep of deps) {
        const d = relative(ROOT, dep);
        if (d.startsWith('bench/') && !BENCH_ENTRY_POINTS.includes(d)) wrong.push(`${relative(ROOT, file)} -> ${d}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map((p) => relative(ROOT, p)).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const d of graph.get(f) ?? []) visit(d, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });
});
