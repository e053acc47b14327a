// Reads a kernel's interface out of its WGSL text (the uniform struct at binding 0, storage
// bindings, entry points and their workgroup sizes) and lists where a descriptor disagrees
// with it. Regular expressions over our own shaders' plain declarations, not a WGSL parser.
import type { AnyDescriptor } from '../../src/gpu/kernels';
import type { ShaderSources } from '../../src/gpu/shader-source';

export function stripComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
}

/** Fields of `struct name { ... }`, in order. */
function structFields(code: string, name: string): Array<[string, string]> | null {
  const m = new RegExp(`struct\\s+${name}\\s*\\{([^}]*)\\}`).exec(code);
  if (!m) return null;
  return m[1]
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)
    .map((f) => {
      const [field, type] = f.split(':').map((p) => p.trim());
      return [field, type];
    });
}

/** The type of the uniform variable at @group(0) @binding(0). */
function uniformType(code: string): string | null {
  return /@group\(0\)\s*@binding\(0\)\s*var<uniform>\s*\w+\s*:\s*(\w+)\s*;/.exec(code)?.[1] ?? null;
}

/** Storage variables of group 0: name -> binding number. */
function storageBindings(code: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of code.matchAll(/@group\(0\)\s*@binding\((\d+)\)\s*var<storage(?:\s*,\s*\w+)?>\s*(\w+)\s*:/g)) out.set(m[2], Number(m[1]));
  return out;
}

/** Compute entry points: name -> [x, y] workgroup size (y = 1 when not given). */
export function entryPoints(code: string): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const m of code.matchAll(/@compute\s+@workgroup_size\(([^)]*)\)\s*fn\s+(\w+)\s*\(/g)) {
    const [x, y = 1] = m[1].split(',').map((v) => Number(v.trim()));
    out.set(m[2], [x, y]);
  }
  return out;
}

/** Every way `desc` disagrees with its WGSL files (empty when it matches). */
export function interfaceMismatches(desc: AnyDescriptor, src: ShaderSources): string[] {
  const missing = desc.sources.filter((s) => src[s] === undefined);
  if (missing.length) return missing.map((s) => `${desc.name}: no shader ${s}.wgsl`);
  const code = stripComments(desc.sources.map((s) => src[s]).join('\n'));
  const problems: string[] = [];
  const struct = uniformType(code);
  if (struct !== desc.uniform.name) problems.push(`${desc.name}: binding 0 is a uniform of type ${struct}, the descriptor says ${desc.uniform.name}`);
  const wgslFields = structFields(code, desc.uniform.name);
  const fields = Object.entries(desc.uniform.fields);
  if (!wgslFields) problems.push(`${desc.name}: no struct ${desc.uniform.name} in the WGSL`);
  else if (JSON.stringify(wgslFields) !== JSON.stringify(fields)) {
    const show = (f: Array<[string, string]>) => f.map(([n, t]) => `${n}: ${t}`).join(', ');
    problems.push(`${desc.name}: struct ${desc.uniform.name} is { ${show(wgslFields)} }, the descriptor says { ${show(fields)} }`);
  }
  const storage = storageBindings(code);
  let previous = 0;
  for (const [name, binding] of Object.entries<number>(desc.bindings)) {
    const declared = storage.get(name);
    if (declared === undefined) problems.push(`${desc.name}: no storage variable "${name}" in the WGSL`);
    else if (declared !== binding) problems.push(`${desc.name}: "${name}" is at binding ${declared}, the descriptor says ${binding}`);
    if (binding <= previous) problems.push(`${desc.name}: bindings are not in binding order at "${name}"`);
    previous = binding;
  }
  const wg = entryPoints(code).get(desc.entry);
  if (!wg) problems.push(`${desc.name}: no @compute entry point ${desc.entry}`);
  else if (wg[0] !== desc.workgroup[0] || wg[1] !== desc.workgroup[1]) {
    problems.push(`${desc.name}: @workgroup_size(${wg.join(', ')}), the descriptor says (${desc.workgroup.join(', ')})`);
  }
  return problems;
}
