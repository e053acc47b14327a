// The video frame's cost in headless Chromium (WebGPU on SwiftShader here), through the video
// lab page (tests/e2e/fixtures/video-lab.html) and its fake camera: per setting, the frame
// (copyExternalImageToTexture of a 640x480 ImageBitmap + preprocessing + forward, wall time in
// the worker) against the forward alone on the same frame's tensor, and the copy alone.
//   npx tsx bench/video-frame-browser.ts [rounds]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPage, ROOT, serverUrl, startServer } from './browser';
import { writeSceneY4m } from './y4m';
import { median } from '../src/core/stats';

const SETTINGS = [
  ['r=0', { r: 0, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=8', { r: 8, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['r=13', { r: 13, schedule: 'constant', propAttn: true, mode: 'merge' }],
  ['decreasing-16', { r: 16, schedule: 'decreasing', propAttn: true, mode: 'merge' }],
];

async function main(): Promise<void> {
  const rounds = Number(process.argv[2] ?? 3);
  const dir = mkdtempSync(join(tmpdir(), 'tome-video-bench-'));
  const y4m = join(dir, 'camera.y4m');
  await writeSceneY4m(y4m, [{ file: join(ROOT, '../shared/golden/images/chelsea.png'), seconds: 1 }], { width: 640, height: 480, fps: 15 });
  const server = await startServer();
  const app = await openPage(serverUrl(server), {
    path: 'tests/e2e/fixtures/video-lab.html',
    args: ['--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${y4m}`],
  });
  try {
    await app.page.waitForFunction('window.lab');
    const adapter = await app.page.evaluate('window.lab.init("vit_tiny_patch16_224.augreg_in21k_ft_in1k")');
    await app.page.evaluate('window.lab.startCamera()');
    const r = (await app.page.evaluate(`window.lab.measure(${JSON.stringify(SETTINGS)}, ${rounds})`)) as {
      rows: Array<{ setting: string; frameMs: number[]; forwardMs: number[]; copyMs: number[] }>;
    };
    const rows = r.rows.map((row) => {
      const frame = median(row.frameMs);
      const forward = median(row.forwardMs);
      return {
        setting: row.setting,
        frameMs: +frame.toFixed(1),
        fps: +(1000 / frame).toFixed(2),
        forwardMs: +forward.toFixed(1),
        copyMs: +median(row.copyMs).toFixed(1),
        outsideShare: +((frame - forward) / frame).toFixed(4),
      };
    });
    console.log(JSON.stringify({ adapter: `Chromium ${adapter}`, source: '640x480 camera frame (ImageBitmap)', rounds, rows }));
  } finally {
    await app.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

main().catch((e) => {
  console.error(`video-frame-browser: ${(e as Error).message}`);
  process.exit(1);
});
