// Geometry of merged token groups on the patch grid, for the overlay: which patches share a
// group, each group's size and mean colour, and the grid edges that separate two groups.
import { canonicalGroups } from '../../core/tome';

export interface GroupLayout {
  grid: number;
  /** Canonical group (smallest patch index of the group) per patch. */
  groups: Int32Array;
  /** Number of patches in the group of each patch. */
  sizeOfPatch: Int32Array;
  /** Mean sRGB colour (0-255) of the group of each patch, 3 per patch. */
  meanColour: Float32Array;
  /** Boundary segments in grid units [x0, y0, x1, y1, ...], y down; includes the outer frame. */
  edges: Float32Array;
  largest: number;
  count: number;
  /** 1 for patches whose token was dropped (prune mode); they are drawn dimmed. */
  pruned: Uint8Array;
}

/** Groups after block `layer` (0-based) from the engine's patch->token maps. */
export function groupsAfterLayer(tokenOfPatch: Int32Array[], layer: number): Int32Array {
  return canonicalGroups(mapAfter(tokenOfPatch, layer));
}

/** Patches whose token was pruned by block `layer` (token index -1 in the engine's map). */
export function prunedAfterLayer(tokenOfPatch: Int32Array[], layer: number): Uint8Array {
  return Uint8Array.from(mapAfter(tokenOfPatch, layer), (t) => (t < 0 ? 1 : 0));
}

function mapAfter(tokenOfPatch: Int32Array[], layer: number): Int32Array {
  const row = tokenOfPatch[layer];
  if (!row) throw new Error(`no patch->token map for block ${layer}`);
  return row;
}

/**
 * `rgba` is the imgSize x imgSize picture the model saw; each patch covers
 * (imgSize / grid)^2 of its pixels.
 */
export function layoutGroups(
  groups: Int32Array,
  grid: number,
  rgba: Uint8ClampedArray,
  imgSize: number,
  pruned: Uint8Array = new Uint8Array(groups.length),
): GroupLayout {
  const n = grid * grid;
  if (groups.length !== n) throw new Error(`${groups.length} groups for a ${grid}x${grid} grid`);
  const patch = imgSize / grid;
  const sums = new Float64Array(n * 3);
  const counts = new Int32Array(n);
  for (let p = 0; p < n; p++) {
    const g = groups[p];
    counts[g]++;
    const px = (p % grid) * patch;
    const py = Math.floor(p / grid) * patch;
    let r = 0;
    let gr = 0;
    let b = 0;
    for (let y = py; y < py + patch; y++) {
      for (let x = px; x < px + patch; x++) {
        const o = (y * imgSize + x) * 4;
        r += rgba[o];
        gr += rgba[o + 1];
        b += rgba[o + 2];
      }
    }
    const area = patch * patch;
    sums[g * 3] += r / area;
    sums[g * 3 + 1] += gr / area;
    sums[g * 3 + 2] += b / area;
  }
  const sizeOfPatch = new Int32Array(n);
  const meanColour = new Float32Array(n * 3);
  let largest = 0;
  let count = 0;
  for (let p = 0; p < n; p++) {
    const g = groups[p];
    if (g === p) count++;
    sizeOfPatch[p] = counts[g];
    largest = Math.max(largest, counts[g]);
    for (let c = 0; c < 3; c++) meanColour[p * 3 + c] = sums[g * 3 + c] / counts[g];
  }
  return { grid, groups, sizeOfPatch, meanColour, edges: boundaryEdges(groups, grid), largest, count, pruned };
}

/** Unit edges between horizontally or vertically adjacent patches of different groups. */
export function boundaryEdges(groups: Int32Array, grid: number, only?: number): Float32Array {
  const out: number[] = [];
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= grid || y >= grid ? -1 : groups[y * grid + x]);
  for (let y = 0; y < grid; y++) {
    for (let x = 0; x < grid; x++) {
      const g = at(x, y);
      if (only !== undefined && g !== only) continue;
      // Each interior edge is emitted once (from its left/top patch) unless only one group is wanted.
      if (at(x + 1, y) !== g) out.push(x + 1, y, x + 1, y + 1);
      if (at(x, y + 1) !== g) out.push(x, y + 1, x + 1, y + 1);
      if (x === 0 || (only !== undefined && at(x - 1, y) !== g)) out.push(x, y, x, y + 1);
      if (y === 0 || (only !== undefined && at(x, y - 1) !== g)) out.push(x, y, x + 1, y);
    }
  }
  return new Float32Array(out);
}
