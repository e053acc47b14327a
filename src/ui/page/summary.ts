// The committed benchmark summary (bench/results/summary.json, written by
// `npm run bench -- --out bench/results`), if present.
// Loaded through a glob so a checkout without results still builds and says "not measured yet".
import type { Summary } from '../../core/results';

const found = import.meta.glob<{ default: Summary }>('../../../bench/results/summary.json', { eager: true });

export function benchSummary(): Summary | null {
  const mod = Object.values(found)[0];
  const s = mod?.default;
  return s && Array.isArray(s.points) && s.points.length ? s : null;
}

/** A short description of the adapter the summary was measured on, whatever its shape. */
export function adapterLabel(adapter: unknown): string {
  if (typeof adapter === 'string') return adapter;
  if (adapter && typeof adapter === 'object') {
    const a = adapter as Record<string, unknown>;
    const parts = ['vendor', 'architecture', 'device', 'description', 'backend'].map((k) => a[k]).filter((v) => typeof v === 'string' && v);
    if (parts.length) return parts.join(' ');
  }
  return 'unknown adapter';
}
