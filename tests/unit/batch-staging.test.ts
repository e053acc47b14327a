// The fallback's batch staging (src/ort/forward.ts): one [N, 3, S, S] array per batch, its
// images in order; a batch of one is its input; a batch's array is kept for the next batch of
// the same size, and never handed to two forwards at once.
import { describe, expect, it } from 'vitest';
import { BatchStaging } from '../../src/ort/forward';

const image = (n: number, value: number) => new Float32Array(n).fill(value);

describe('BatchStaging', () => {
  it('lays the images out one after the other', () => {
    const taken = new BatchStaging().take([image(4, 1), image(4, 2), image(4, 3)]);
    expect(Array.from(taken.data)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
  });

  it('passes a batch of one through without a copy', () => {
    const x = image(6, 5);
    expect(new BatchStaging().take([x]).data).toBe(x);
  });

  it('reuses the array of the last batch of the same size once released', () => {
    const staging = new BatchStaging();
    const first = staging.take([image(3, 1), image(3, 2)]);
    first.release();
    const second = staging.take([image(3, 7), image(3, 8)]);
    expect(second.data).toBe(first.data);
    expect(Array.from(second.data)).toEqual([7, 7, 7, 8, 8, 8]);
    second.release();
    expect(staging.take([image(3, 1), image(3, 1), image(3, 1)]).data).not.toBe(first.data);
  });

  it('gives a batch taken while another is held its own array, and leaves the held one alone', () => {
    const staging = new BatchStaging();
    const held = staging.take([image(3, 1), image(3, 2)]);
    const other = staging.take([image(3, 9), image(3, 9)]);
    expect(other.data).not.toBe(held.data);
    expect(Array.from(held.data)).toEqual([1, 1, 1, 2, 2, 2]);
    other.release();
    held.release();
    expect(staging.take([image(3, 4), image(3, 4)]).data).toBe(held.data);
  });
});
