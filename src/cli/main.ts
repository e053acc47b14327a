// The `tome` CLI (ARCHITECTURE.md, "The CLI contract"): stdout carries only JSON, one object per line;
// progress and errors go to stderr; errors are one line, never a stack trace
// (TOME_DEBUG=1 prints it). The exit code: 0 when everything ran; 1 to 100 the number of inputs
// classify could not read or eval skipped (100: that many or more); 101 when the command itself
// could not run (usage, model, labels file, no image).
import { join } from 'node:path';
import { parseArgs, UsageError, type CliOptions } from './args';
import { classify, oneLine } from './classify';
import { evaluate, writeReport } from './eval';
import { choiceVariants, measureSettings } from '../eval/settings';
import { openCliBackend } from './backends';
import type { ViTWeights } from '../model/weights';
import { loadModelSource } from './model-source';
import { PROJECT_ROOT } from './paths';

const WEIGHTS_ROOT = process.env.TOME_WEIGHTS_OUT ?? join(PROJECT_ROOT, 'public', 'weights');
const HUB_CACHE = process.env.TOME_HUB_CACHE ?? join(PROJECT_ROOT, '.cache', 'hf-models');

function printJson(obj: unknown): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

async function loadWeights(o: CliOptions): Promise<ViTWeights> {
  return loadModelSource(o.model, { weightsRoot: WEIGHTS_ROOT, cacheDir: HUB_CACHE });
}

async function run(o: CliOptions): Promise<number> {
  const weights = await loadWeights(o);
  const propAttn = o.propAttn ?? weights.config.propAttnDefault;
  if (o.command === 'classify') {
    const setting = { propAttn, mode: o.modes[0], r: o.rs[0], schedule: o.schedules[0], ...choiceVariants(o.choices, o.modes)[0] };
    const backend = await openCliBackend(weights, o.backend, 1, [setting]);
    const failed = await classify(backend, o.positional, setting, o.logits, printJson);
    backend.dispose();
    return Math.min(failed, 100);
  }
  if (o.command === 'eval') {
    const settings = measureSettings(o.rs, o.schedules, o.modes, propAttn, choiceVariants(o.choices, o.modes, o.eachChoice));
    const backend = await openCliBackend(weights, o.backend, o.batch, settings);
    const report = await evaluate(backend, { dir: o.positional[0], labels: o.labels, settings, limit: o.limit, batch: o.batch });
    backend.dispose();
    if (o.out) writeReport(o.out, report);
    printJson(report);
    return Math.min(report.skipped, 100);
  }
  const { bench } = await import('./bench');
  printJson(await bench(weights, o));
  return 0;
}

async function main(): Promise<void> {
  let code: number;
  try {
    code = await run(parseArgs(process.argv.slice(2)));
  } catch (e) {
    if (e instanceof UsageError) process.stderr.write(`${e.message}\n`);
    else process.stderr.write(`tome: ${oneLine(e)}\n`);
    if (process.env.TOME_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
    code = 101;
  }
  // Dawn keeps the event loop alive while its GPU object exists: exit explicitly, after stdout drains.
  process.stdout.write('', () => process.exit(code));
}

void main();
