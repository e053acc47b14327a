// Which peers `tome bench --peer` runs: a comma list of tfjs, ort-node (ort-cpu, ort-webgpu),
// ort-web (the Chromium page), ort (both ORT groups), all, or none. Default: all.
export interface PeerSelection {
  tfjs: boolean;
  ortNode: boolean;
  ortWeb: boolean;
}

export const PEER_VALUES = ['tfjs', 'ort', 'ort-node', 'ort-web', 'all', 'none'] as const;

export function parsePeers(value: string | undefined): PeerSelection {
  const parts = (value ?? 'all').split(',').map((s) => s.trim());
  for (const p of parts) {
    if (!(PEER_VALUES as readonly string[]).includes(p)) throw new Error(`--peer: "${p}" is not one of ${PEER_VALUES.join(', ')}`);
  }
  const has = (...names: string[]) => parts.some((p) => names.includes(p));
  return { tfjs: has('tfjs', 'all'), ortNode: has('ort', 'ort-node', 'all'), ortWeb: has('ort', 'ort-web', 'all') };
}
