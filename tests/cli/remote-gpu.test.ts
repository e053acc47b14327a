// remote-gpu/remote-gpu.sh's refusals, in a scratch copy of the script (its root is the folder above
// the script): each is one line saying what to do, never a half-run. The full pack + run round
// trip is too slow for the suite; remote-gpu/README.md records it.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SCRIPT = join(__dirname, '..', '..', 'remote-gpu', 'remote-gpu.sh');

function scratch(): string {
  const root = mkdtempSync(join(tmpdir(), 'remote-gpu-'));
  mkdirSync(join(root, 'remote-gpu'));
  copyFileSync(SCRIPT, join(root, 'remote-gpu', 'remote-gpu.sh'));
  return root;
}

function run(root: string, args: string[], env: Record<string, string> = {}) {
  const { OUT: _out, ...rest } = process.env;
  return spawnSync('bash', [join(root, 'remote-gpu', 'remote-gpu.sh'), ...args], { cwd: root, encoding: 'utf8', env: { ...rest, ...env }, timeout: 30_000 });
}

describe('remote-gpu/remote-gpu.sh', () => {
  it('prints its usage for an unknown half', () => {
    const r = run(scratch(), ['deploy']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/usage: bash remote-gpu\/remote-gpu.sh pack \| run \[OUTDIR\]/);
  });

  it('run needs somewhere to write', () => {
    const r = run(scratch(), ['run']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/run needs an OUTDIR \(or \$OUT\)/);
  });

  it('run without the bundle says to pack and carry it; $OUT is used when options come first', () => {
    const root = scratch();
    const r = run(root, ['run', '--quick'], { OUT: join(root, 'out') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no bundle in \.remote\/runtime: run 'bash remote-gpu\/remote-gpu.sh pack' here first and name \.remote\/runtime in carry/);
  });

  it('run with the runtime but no model says which path to carry', () => {
    const root = scratch();
    mkdirSync(join(root, '.remote', 'runtime'), { recursive: true });
    writeFileSync(join(root, '.remote', 'runtime', 'node.xz'), '');
    const r = run(root, ['run', join(root, 'out')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/no model in \.remote\/models: name \.remote\/models\/<id> in carry/);
  });

  it('pack refuses a checkout without node_modules', () => {
    const r = run(scratch(), ['pack']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/node_modules missing: run npm ci first/);
  });
});
