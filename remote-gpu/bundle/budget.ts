// What each device call carries and whether it fits. A call sends the checkout's travelling
// files (tracked and untracked-not-ignored) plus the paths named in `carry`, 64 MiB in all, at
// most 8 carry paths. The bundle is parts: the runtime (Node, Dawn, our bundled JS, the
// Vulkan loader packages), carried by every call, and one folder per model (weights and its
// golden cases), so each call carries the runtime and the models it checks. Pure: no I/O.

export const CALL_LIMIT_BYTES = 64 * 1024 * 1024;
const MAX_CARRY_PATHS = 8;
/** Headroom kept under the limit: the checkout grows between packing and calling. */
const MARGIN_BYTES = 2 * 1024 * 1024;

export interface BundlePart {
  /** Path relative to the repository root, as named in `carry`. */
  path: string;
  bytes: number;
  /** What it holds, for the size table. */
  what: string;
}

export interface DeviceCall {
  name: string;
  /** Paths of parts this call carries. */
  carry: string[];
  /** What the call does, for the documentation. */
  purpose: string;
}

export interface CallBudget extends DeviceCall {
  bytes: number;
  fits: boolean;
  problem: string | null;
}

export function budgetCalls(parts: BundlePart[], checkoutBytes: number, calls: DeviceCall[]): CallBudget[] {
  const byPath = new Map(parts.map((p) => [p.path, p]));
  return calls.map((call) => {
    const missing = call.carry.filter((p) => !byPath.has(p));
    const bytes = checkoutBytes + call.carry.reduce((a, p) => a + (byPath.get(p)?.bytes ?? 0), 0);
    let problem: string | null = null;
    if (missing.length) problem = `carries ${missing.join(', ')}, which the bundle does not have`;
    else if (call.carry.length > MAX_CARRY_PATHS) problem = `${call.carry.length} carry paths, at most ${MAX_CARRY_PATHS}`;
    else if (bytes + MARGIN_BYTES > CALL_LIMIT_BYTES)
      problem = `${mib(bytes)} MiB with the checkout, over ${mib(CALL_LIMIT_BYTES - MARGIN_BYTES)} MiB (the 64 MiB limit less ${mib(MARGIN_BYTES)} MiB headroom)`;
    return { ...call, bytes, fits: problem === null, problem };
  });
}

const mib = (bytes: number): string => (bytes / (1024 * 1024)).toFixed(1);

/** The size table pack prints and remote-gpu/README.md shows; `details` are pieces of a part, listed
 * under it and not counted again. */
export function budgetTable(parts: BundlePart[], details: BundlePart[], checkoutBytes: number, budgets: CallBudget[]): string {
  const lines = ['| part | MiB | holds |', '| --- | ---: | --- |'];
  for (const p of parts) {
    lines.push(`| ${p.path} | ${mib(p.bytes)} | ${p.what} |`);
    for (const d of details.filter((x) => x.path.startsWith(`${p.path}/`))) lines.push(`| &nbsp;&nbsp;${d.path} | ${mib(d.bytes)} | ${d.what} |`);
  }
  lines.push(`| (checkout: tracked + untracked files) | ${mib(checkoutBytes)} | travels with every call |`);
  lines.push('', '| call | carry | MiB in all | fits |', '| --- | --- | ---: | --- |');
  for (const b of budgets) lines.push(`| ${b.name} | ${b.carry.join(', ')} | ${mib(b.bytes)} | ${b.fits ? 'yes' : `NO: ${b.problem}`} |`);
  return lines.join('\n');
}
