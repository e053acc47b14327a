// A peer is timed only once it computes our model: on every golden input it must give the official
// top-1 and logits within 1e-3 of the official ones (../shared/golden, the same case as the graph
// it runs). A wrong peer is reported with its max difference and left untimed.
import type { Schedule } from '../../src/core/tome';
import { logitsEntries, readGoldenF32 } from '../../src/golden';

export interface GoldenRef {
  image: string;
  /** The input's path inside the golden folder. */
  inputFile: string;
  input: Float32Array;
  top1: number;
  logits: Float32Array;
}

export interface PeerCheck {
  engine: string;
  /** The graph or model it ran (e.g. the ONNX file's r0 / r13). */
  r: number;
  ok: boolean;
  /** max |logit - golden| over every golden input. */
  maxDiff: number;
  /** Golden inputs whose top-1 differs from the official one. */
  top1Wrong: number;
  n: number;
  /** Set when the peer could not even run (the error's first line). */
  error?: string;
}

const LOGIT_TOLERANCE = 1e-3;

/** Every golden input of `model` with the official outputs of `caseName` (r0, r13, ...). */
export function goldenRefs(goldenDir: string, model: string, caseName: string): GoldenRef[] {
  const refs = logitsEntries({ dir: goldenDir, model }).map((e) => {
    const c = e.cases.find((x) => x.name === caseName);
    if (!c) throw new Error(`golden ${model} ${e.image} has no case ${caseName}`);
    return { image: e.image, inputFile: e.input, input: readGoldenF32(e.input, goldenDir), top1: c.top5[0][0], logits: readGoldenF32(c.logits, goldenDir) };
  });
  if (!refs.length) throw new Error(`no golden inputs for ${model} in ${goldenDir}`);
  return refs;
}

function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}

/** Judges a peer's logits (one array per golden input, in order) against the golden ones. */
export function checkPeer(engine: string, r: number, got: ArrayLike<number>[], golden: GoldenRef[], tolerance = LOGIT_TOLERANCE): PeerCheck {
  if (got.length !== golden.length) throw new Error(`${engine}: ${got.length} outputs for ${golden.length} golden inputs`);
  let maxDiff = 0;
  let top1Wrong = 0;
  got.forEach((l, i) => {
    const g = golden[i].logits;
    // A wrong-sized or non-finite output is as wrong as it gets.
    if (l.length !== g.length) maxDiff = Infinity;
    for (let k = 0; k < g.length; k++) {
      const d = Math.abs(l[k] - g[k]);
      maxDiff = Math.max(maxDiff, Number.isNaN(d) ? Infinity : d);
    }
    if (argmax(l) !== golden[i].top1) top1Wrong++;
  });
  return { engine, r, ok: top1Wrong === 0 && maxDiff <= tolerance, maxDiff, top1Wrong, n: golden.length };
}

/** A peer that failed before producing logits. */
export function failedCheck(engine: string, r: number, n: number, e: unknown): PeerCheck {
  return { engine, r, ok: false, maxDiff: Infinity, top1Wrong: n, n, error: String((e as Error)?.message ?? e).split('\n')[0] };
}

export function describeCheck(c: PeerCheck): string {
  if (c.error) return `failed to run: ${c.error}`;
  const d = Number.isFinite(c.maxDiff) ? c.maxDiff.toExponential(1) : 'non-finite';
  return c.ok ? `correct (max abs logit diff ${d}, top-1 ${c.n}/${c.n})` : `WRONG: max abs logit diff ${d}, top-1 wrong on ${c.top1Wrong}/${c.n}; not timed`;
}

/** A peer as the results list it: which provider ran where, and what its check found. */
export interface PeerInfo {
  engine: string;
  r: number;
  /** The graph's schedule (results written before decreasing-16 peers have none: constant). */
  schedule?: Schedule;
  provider: string;
  check: PeerCheck;
  verdict: string;
}

export function peerInfo(p: { engine: string; r: number; schedule: Schedule; provider: string; check: PeerCheck }): PeerInfo {
  return { engine: p.engine, r: p.r, schedule: p.schedule, provider: p.provider, check: p.check, verdict: describeCheck(p.check) };
}

/** Which graph a peer ran: an exported file, or the ToMe export rewritten (onnx-schedule.ts). */
function graphName(p: PeerInfo): string {
  if (p.r === 0) return 'plain (r0.onnx)';
  if (p.schedule === 'decreasing') return `official ToMe decreasing-${p.r} (r13.onnx rewritten)`;
  return p.r === 13 ? 'official ToMe r=13 (r13.onnx)' : `official ToMe r=${p.r} (r13.onnx rewritten)`;
}

export function peersTable(peers: PeerInfo[]): string {
  return [
    '| peer | graph | provider, where | check against ../shared/golden |',
    '|---|---|---|---|',
    ...peers.map((p) => `| ${p.engine} | ${graphName(p)} | ${p.provider} | ${p.verdict} |`),
  ].join('\n');
}
