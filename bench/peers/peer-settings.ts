// The ToMe settings the ONNX Runtime comparisons time, shared by the Node side (ort-rows.ts,
// page-driver.ts) and the bench page (bench/page/main.ts), so no Node module is imported here.
import type { Schedule } from '../../src/core/tome';

export interface PeerSetting {
  r: number;
  schedule: Schedule;
}

/** What the CPU groups time, our fallback and ONNX Runtime alike: the plain model, the exported
 * ToMe graph's r = 13, and decreasing-16 (the paper's fastest setting; the peer runs the exported
 * graph rewritten to it, onnx-schedule.ts). */
export const CPU_SETTINGS: readonly PeerSetting[] = [
  { r: 0, schedule: 'constant' },
  { r: 13, schedule: 'constant' },
  { r: 16, schedule: 'decreasing' },
];

/** What the GPU groups time: ONNX Runtime's WebGPU provider takes seconds per image on this
 * machine's software adapters, so the exported graphs only. */
export const GPU_SETTINGS: readonly PeerSetting[] = CPU_SETTINGS.filter((s) => s.schedule === 'constant');

/** A setting's name in ../shared/golden's cases (r0, r13, r16dec), also its key in the page. */
export function goldenCaseName(s: PeerSetting): string {
  return `r${s.r}${s.schedule === 'decreasing' ? 'dec' : ''}`;
}
