// The dispatch-cost probe of the GPU matrix on the adapter 'auto' picks: every dispatch it
// submits runs (its counter ends at the number submitted, or it throws), and the two costs come
// out as finite, non-negative times.
import { afterAll, describe, expect, it } from 'vitest';
import { measureDispatchCost } from '../../remote-gpu/gpu-matrix/dispatch-cost';
import { testDevice } from './gpu-harness';

describe('dispatch-cost probe', () => {
  let device: GPUDevice | undefined;
  afterAll(() => device?.destroy());

  it('counts every dispatch and reports the submission and per-dispatch costs', async () => {
    device = (await testDevice()).device;
    const c = await measureDispatchCost(device, 3, 25);
    expect(c.dispatchesPerSubmission).toBe(25);
    expect(c.emptySubmitMs).toBeGreaterThan(0);
    expect(Number.isFinite(c.perDispatchMs)).toBe(true);
    expect(c.perDispatchMs).toBeGreaterThanOrEqual(0);
    // A submission of 25 dispatches cannot cost less than an empty one by construction (the
    // difference is clamped at 0), and one dispatch is far below a second on any adapter.
    expect(c.perDispatchMs).toBeLessThan(1000);
  });
});
