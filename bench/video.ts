// `npm run bench:video`: a 640x480 video frame at r = 0, 8, 13 and decreasing-16 on every adapter
// here: each Dawn route in Node (video-frame.ts: upload + preprocessing + forward + read-back
// against the forward alone) and headless Chromium through the real page (video-frame-browser.ts:
// grab + worker + overlay against the forward alone), with the video target on each. Writes
// video.json and video.md into --out or .cache/bench (results-dirs.ts); `npm run bench` has the
// Node rows of its own route.
//   npm run bench:video -- [--rounds N] [--routes opengles,vulkan] [--no-browser] [--out DIR]
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createWebGpuBackend } from '../src/gpu/engine';
import { requestNodeAdapter, type ConcreteRoute } from '../src/gpu/node-adapter';
import { loadModelNode } from '../src/model/load-node';
import { DEFAULT_OUT_DIR } from './results-dirs';
import { targetsTable, videoTarget, type TargetCheck } from './targets';
import { benchVideoFrames, videoFrameTable, type VideoFrameBench } from './video-frame';
import { benchVideoInBrowser, browserVideoTable, type BrowserVideoBench } from './video-frame-browser';

const MODEL = 'vit_tiny_patch16_224.augreg_in21k_ft_in1k';
const log = (s: string) => process.stderr.write(`bench:video: ${s}\n`);

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const rounds = Number(arg('--rounds') ?? 5);
  const routes = (arg('--routes') ?? 'opengles,vulkan').split(',') as ConcreteRoute[];
  const outDir = arg('--out') ?? DEFAULT_OUT_DIR;
  const weights = await loadModelNode(MODEL);
  const node: VideoFrameBench[] = [];
  const skipped: string[] = [];
  for (const route of routes) {
    let adapter;
    try {
      adapter = (await requestNodeAdapter(route)).adapter;
    } catch (e) {
      skipped.push(`${route}: ${(e as Error).message}`);
      log(`skipping ${route}: ${(e as Error).message}`);
      continue;
    }
    const engine = await createWebGpuBackend(weights, { adapter, maxBatch: 1 });
    log(`${route}: ${engine.description}`);
    const b = await benchVideoFrames(engine, weights.config, `${route}: ${engine.description}`, rounds, log);
    node.push(b);
    engine.dispose();
  }
  let browser: BrowserVideoBench | null = null;
  if (!process.argv.includes('--no-browser')) browser = await benchVideoInBrowser(Math.max(1, Math.min(rounds, 3)), log);

  const share = (rows: Array<{ setting: string; outsideShare: number }>) => rows.find((r) => r.setting === 'r=13')!.outsideShare;
  const targets: TargetCheck[] = [
    ...node.map((b) => videoTarget(b.route, share(b.rows))),
    ...(browser ? [videoTarget(`${browser.adapter}, with grab and overlay`, share(browser.rows))] : []),
  ];
  const out = { model: MODEL, node, browser, skipped, targets };
  console.log(JSON.stringify(out));
  const md = [
    `# Video frames: ${MODEL}, 640x480`,
    '',
    'The target is set for the GL route (OpenGL ES on llvmpipe); the other adapters are shown against it for comparison.',
    '',
    targetsTable(targets),
    '',
    ...node.flatMap((b) => [`## Node, ${b.route}`, '', videoFrameTable(b), '']),
    ...(browser ? ['## Headless Chromium, the app', '', browserVideoTable(browser), ''] : []),
    ...(skipped.length ? ['Not measured: ' + skipped.join('; '), ''] : []),
  ].join('\n');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'video.json'), JSON.stringify(out, null, 2) + '\n');
  writeFileSync(join(outDir, 'video.md'), md);
  log(`wrote video.json and video.md in ${outDir}`);
  process.exit(0);
}

main().catch((e) => {
  console.error(`bench:video: ${(e as Error).message}`);
  process.exit(1);
});
