// Command-line parsing for the `tome` CLI (ARCHITECTURE.md, "The CLI contract"). Pure: no I/O.
import type { BackendChoice } from '../backends/choose';
import { CHOICE_VALUES, OFFICIAL_CHOICES, type DesignChoices, type MergeMode, type Schedule } from '../core/tome';
import { choiceVariants, type ChoiceLists } from '../eval/settings';

export const DEFAULT_MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';

export type Command = 'classify' | 'eval' | 'bench';

export interface CliOptions {
  command: Command;
  positional: string[];
  model: string;
  /** classify: one r; eval/bench: a list. */
  rs: number[];
  schedules: Schedule[];
  /** Proportional attention; undefined: the model's default (on, off for average-pooled models). */
  propAttn?: boolean;
  /** classify: one mode; eval: a list (every setting is measured under each). */
  modes: MergeMode[];
  backend: BackendChoice;
  logits: boolean;
  /** eval: a labels file, or 'none'; undefined: DIR/labels.tsv or .csv, else the class folders. */
  labels?: string;
  limit?: number;
  batches: number[];
  peer?: string;
  repeat: number;
  /** eval only: images per forward (webgpu throughput). */
  batch: number;
  out?: string;
  /** --schedule was given explicitly (bench then measures exactly those schedules at every r). */
  scheduleGiven: boolean;
  /** ToMe's design choices: one value each for classify; eval measures every combination of its lists. */
  choices: ChoiceLists;
  /** eval: each listed choice alone beside the official algorithm, not every combination. */
  eachChoice: boolean;
}

export class UsageError extends Error {}

/** Which peers `tome bench --peer` runs: a comma list of tfjs, ort-node (ort-cpu, ort-webgpu),
 * ort-web (the Chromium page), ort (both ONNX Runtime groups), all, or none. Default: all. */
export interface PeerSelection {
  tfjs: boolean;
  ortNode: boolean;
  ortWeb: boolean;
}

const PEER_VALUES = ['tfjs', 'ort', 'ort-node', 'ort-web', 'all', 'none'] as const;

export function parsePeers(value: string | undefined): PeerSelection {
  const parts = (value ?? 'all').split(',').map((s) => s.trim());
  for (const p of parts) {
    if (!(PEER_VALUES as readonly string[]).includes(p)) throw new UsageError(`--peer: "${p}" is not one of ${PEER_VALUES.join(', ')}`);
  }
  const has = (...names: string[]) => parts.some((p) => names.includes(p));
  return { tfjs: has('tfjs', 'all'), ortNode: has('ort', 'ort-node', 'all'), ortWeb: has('ort', 'ort-web', 'all') };
}

const CHOICES_USAGE =
  '[--metric k|x|q|v] [--distance cosine|dot|euclidean] [--split alternate|sequential|random] [--seed N] [--matching bipartite|greedy|kmeans] [--weighting size|mean|keep|max]';

const USAGE = `usage: tome classify [--model ID] [--r N] [--schedule constant|decreasing] [--prop-attn|--no-prop-attn] [--mode merge|prune] ${CHOICES_USAGE} [--backend webgpu|cpu|reference] [--logits] INPUT...
       tome eval DIR [--model ID] [--labels FILE.tsv|FILE.csv|none] [--r 0,8,13] [--schedule constant,decreasing] [--mode merge,prune] [--prop-attn|--no-prop-attn] ${CHOICES_USAGE} (lists: every combination, or --each-choice: each alone) [--backend webgpu|cpu|reference] [--limit N] [--batch N] [--out DIR]
       tome bench [--model ID] [--r 0,4,8,13,16] [--schedule constant|decreasing] [--batch 1,8] [--peer tfjs,ort-node,ort-web|ort|all|none] [--repeat N] [--out DIR]`;

function intList(flag: string, v: string, min: number): number[] {
  const parts = v.split(',').map((s) => s.trim());
  return parts.map((p) => {
    if (!/^-?\d+$/.test(p)) throw new UsageError(`${flag}: "${p}" is not an integer`);
    const n = Number(p);
    if (n < min) throw new UsageError(`${flag}: ${n} must be >= ${min}`);
    return n;
  });
}

function modeList(v: string): MergeMode[] {
  return v.split(',').map((m) => {
    if (m !== 'merge' && m !== 'prune') throw new UsageError(`--mode: "${m}" is not merge or prune`);
    return m;
  });
}

/** A comma list of one design choice's values, each checked against what it may be. */
function choiceList<K extends keyof typeof CHOICE_VALUES>(key: K, v: string): DesignChoices[K][] {
  const allowed: readonly string[] = CHOICE_VALUES[key];
  return v.split(',').map((x) => {
    if (!allowed.includes(x)) throw new UsageError(`--${key}: "${x}" is not one of ${allowed.join(', ')}`);
    return x as DesignChoices[K];
  });
}

function scheduleList(v: string): Schedule[] {
  return v.split(',').map((s) => {
    if (s !== 'constant' && s !== 'decreasing') throw new UsageError(`--schedule: "${s}" is not constant or decreasing`);
    return s;
  });
}

export function parseArgs(argv: string[]): CliOptions {
  const [command, ...rest] = argv;
  if (command !== 'classify' && command !== 'eval' && command !== 'bench') {
    throw new UsageError(command ? `unknown command "${command}"\n${USAGE}` : USAGE);
  }
  const o: CliOptions = {
    command,
    positional: [],
    model: DEFAULT_MODEL,
    rs: command === 'bench' ? [0, 4, 8, 13, 16] : [0],
    schedules: ['constant'],
    modes: ['merge'],
    backend: 'auto',
    logits: false,
    batches: [1, 8],
    repeat: 10,
    batch: 1,
    scheduleGiven: false,
    eachChoice: false,
    choices: {
      metric: [OFFICIAL_CHOICES.metric],
      distance: [OFFICIAL_CHOICES.distance],
      split: [OFFICIAL_CHOICES.split],
      matching: [OFFICIAL_CHOICES.matching],
      weighting: [OFFICIAL_CHOICES.weighting],
      seed: OFFICIAL_CHOICES.seed,
    },
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--model':
        o.model = value();
        break;
      case '--r':
        o.rs = intList('--r', value(), 0);
        break;
      case '--schedule':
        o.schedules = scheduleList(value());
        o.scheduleGiven = true;
        break;
      case '--no-prop-attn':
        o.propAttn = false;
        break;
      case '--prop-attn':
        o.propAttn = true;
        break;
      case '--mode':
        o.modes = modeList(value());
        break;
      case '--metric':
      case '--distance':
      case '--split':
      case '--matching':
      case '--weighting': {
        const key = a.slice(2) as keyof typeof CHOICE_VALUES;
        (o.choices[key] as string[]) = choiceList(key, value());
        break;
      }
      case '--each-choice':
        o.eachChoice = true;
        break;
      case '--seed':
        o.choices.seed = intList('--seed', value(), 0)[0];
        break;
      case '--backend': {
        const b = value();
        if (b !== 'webgpu' && b !== 'cpu' && b !== 'reference') throw new UsageError(`--backend: "${b}" is not webgpu, cpu or reference`);
        o.backend = b;
        break;
      }
      case '--logits':
        o.logits = true;
        break;
      case '--labels':
        o.labels = value();
        break;
      case '--limit':
        o.limit = intList('--limit', value(), 1)[0];
        break;
      case '--batch':
        if (command === 'bench') o.batches = intList('--batch', value(), 1);
        else o.batch = intList('--batch', value(), 1)[0];
        break;
      case '--peer':
        o.peer = value();
        parsePeers(o.peer);
        break;
      case '--repeat':
        o.repeat = intList('--repeat', value(), 1)[0];
        break;
      case '--out':
        o.out = value();
        break;
      case '-h':
      case '--help':
        throw new UsageError(USAGE);
      default:
        if (a.startsWith('--')) throw new UsageError(`unknown option ${a}\n${USAGE}`);
        o.positional.push(a);
    }
  }
  if (command === 'classify' && o.rs.length !== 1) throw new UsageError('classify takes a single --r value');
  if (command === 'classify' && o.schedules.length !== 1) throw new UsageError('classify takes a single --schedule');
  if (command === 'classify' && o.modes.length !== 1) throw new UsageError('classify takes a single --mode');
  if (command === 'classify' && o.positional.length === 0) throw new UsageError(`classify needs at least one INPUT\n${USAGE}`);
  if (command === 'eval' && o.positional.length !== 1) throw new UsageError(`eval needs exactly one DIR\n${USAGE}`);
  checkChoices(o);
  // bench measures decreasing-16 beside the constant schedule unless told otherwise.
  if (command === 'bench' && !o.scheduleGiven) o.schedules = ['constant', 'decreasing'];
  return o;
}

/** classify takes one value of each choice; bench measures the official algorithm only (eval
 * times each choice); every combination must mean something. */
function checkChoices(o: CliOptions): void {
  const lists = ['metric', 'distance', 'split', 'matching', 'weighting'] as const;
  if (o.command === 'classify') for (const key of lists) if (o.choices[key].length !== 1) throw new UsageError(`classify takes a single --${key}`);
  if (o.command === 'bench' && choiceVariants(o.choices, o.modes).some((c) => Object.keys(c).length > 0))
    throw new UsageError('bench measures the official design choices; tome eval --each-choice measures each one');
  choiceVariants(o.choices, o.modes, o.eachChoice);
}
