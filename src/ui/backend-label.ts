// What the page says about the backend it runs on: the badge, and the notice shown without WebGPU
// (why, what runs instead, and whether WebAssembly threads are on).
import type { BackendInfo } from './protocol';

export function backendBadge(info: BackendInfo): string {
  return info.kind === 'webgpu' ? `WebGPU · ${info.description}` : `CPU · ${info.description}`;
}

export function fallbackNotice(info: BackendInfo): string {
  return [info.fallbackReason, `Running ${info.description} instead.`, info.threadsNote, 'Timings below are CPU wall-clock times.'].filter(Boolean).join(' ');
}
