// The benchmark summary written by `npm run bench` (bench/results/summary.json), if present.
// Loaded through a glob so a checkout without results still builds and says "not measured yet".
import type { Schedule } from '../model/tome';

export interface SummaryPoint {
  r: number;
  schedule: Schedule;
  /** Fractions in [0, 1] on the eval set. */
  top1: number;
  top5: number;
  msPerImage: number;
  speedup: number;
}

export interface BenchSummary {
  model: string;
  adapter: unknown;
  points: SummaryPoint[];
}

const found = import.meta.glob<{ default: BenchSummary }>('../../bench/results/summary.json', { eager: true });

export function benchSummary(): BenchSummary | null {
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
