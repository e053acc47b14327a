// `npm test`: sets up what it can, then runs every tier this machine can run and says plainly
// what it skipped. On a fresh Debian machine with root (CI) that is everything: system packages
// (scripts/system-deps.sh), weights, format, lint, types, then the unit, cli, gpu and e2e tiers in
// one vitest run. Elsewhere (no apt or root, say a Mac with Chrome) a tier whose needs are missing
// is skipped with the reason; with CI set, any skip is a failure.
import { spawnSync } from 'node:child_process';

const say = (line: string) => process.stderr.write(`test: ${line}\n`);

function run(cmd: string, args: string[], opts: { quiet?: boolean } = {}): { ok: boolean; stdout: string } {
  const r = spawnSync(cmd, args, { stdio: ['ignore', opts.quiet ? 'pipe' : 'inherit', 'inherit'], encoding: 'utf8' });
  return { ok: r.status === 0, stdout: r.stdout ?? '' };
}

function mustPass(what: string, cmd: string, args: string[]): void {
  if (!run(cmd, args).ok) {
    say(`${what} failed`);
    process.exit(1);
  }
}

const systemOk = run('bash', ['scripts/system-deps.sh']).ok;
if (!systemOk) say('system packages could not be installed here (see the line above); running what this machine can');
mustPass('npm run weights', 'npm', ['run', '--silent', 'weights']);
mustPass('npm run format:check', 'npm', ['run', '--silent', 'format:check']);
mustPass('npm run lint', 'npm', ['run', '--silent', 'lint']);
mustPass('npm run typecheck', 'npm', ['run', '--silent', 'typecheck']);

const probe = run('npx', ['tsx', 'tests/support/test-machine.ts'], { quiet: true });
const machine = JSON.parse(probe.stdout.trim().split('\n').pop() || '{}') as { webgpu?: string | { none: string }; chromium?: string | null };
const webgpu = typeof machine.webgpu === 'string' ? machine.webgpu : null;
const tiers: Array<{ dir: string; needs: string | null }> = [
  { dir: 'tests/unit', needs: null },
  { dir: 'tests/cli', needs: webgpu ? null : 'a WebGPU adapter in Node' },
  { dir: 'tests/gpu', needs: webgpu ? null : 'a WebGPU adapter in Node' },
  { dir: 'tests/e2e', needs: machine.chromium ? null : 'Chromium or Chrome (TOME_CHROMIUM)' },
];
say(
  `WebGPU in Node: ${webgpu ?? `none (${typeof machine.webgpu === 'object' ? machine.webgpu.none : 'probe failed'})`}; Chromium: ${machine.chromium ?? 'none'}`,
);
const skipped = tiers.filter((t) => t.needs);
for (const t of skipped) say(`SKIPPED ${t.dir}: needs ${t.needs}`);
if (skipped.length && process.env.CI) {
  say('CI is set: every tier must run');
  process.exit(1);
}
const dirs = tiers.filter((t) => !t.needs).map((t) => t.dir);
const tests = run('npx', ['vitest', 'run', ...dirs]);
if (skipped.length) say(`ran ${dirs.join(', ')}; skipped ${skipped.map((t) => t.dir).join(', ')} (see above)`);
process.exit(tests.ok ? 0 : 1);
