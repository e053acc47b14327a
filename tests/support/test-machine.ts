// What this machine can run, for npm test (scripts/test.ts runs this file and reads one JSON
// line): a WebGPU adapter in Node (the gpu and cli tiers) and a Chromium (the e2e tier).
import { chromiumPath } from '../../bench/browser';
import { requestNodeAdapter } from '../../src/gpu/node-adapter';

const adapter = await requestNodeAdapter('auto').then(
  (a) => `${a.route}: ${a.adapter.info.description || a.adapter.info.vendor}`,
  (e: unknown) => ({ none: e instanceof Error ? e.message.split('\n')[0] : String(e) }),
);
process.stdout.write(`${JSON.stringify({ webgpu: adapter, chromium: chromiumPath() })}\n`);
// Dawn keeps the event loop alive while its instance exists.
process.exit(0);
