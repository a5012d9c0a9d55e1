// The admission benchmark's CPU placement (bench/cpu-pinning.ts): reading the allowed CPU list, and
// leaving placement alone when asked to.
import { describe, expect, it } from 'vitest';
import { allowedCpus, cpuPinning } from '../../bench/cpu-pinning.js';

describe('allowedCpus', () => {
  it('reads the kernel list form: ranges, single CPUs, commas', () => {
    expect(allowedCpus('0-1')).toEqual([0, 1]);
    expect(allowedCpus('0-3,6')).toEqual([0, 1, 2, 3, 6]);
    expect(allowedCpus('2')).toEqual([2]);
  });

  it('gives nothing for text that is not a list', () => {
    expect(allowedCpus('')).toEqual([]);
    expect(allowedCpus('x-y')).toEqual([]);
  });
});

describe('cpuPinning', () => {
  it('pins nothing with SGBRIDGE_BENCH_PIN=0, and says so', () => {
    const pinning = cpuPinning({ SGBRIDGE_BENCH_PIN: '0' });
    expect(pinning.describe).toContain('not pinned');
    expect(() => pinning.pinServer(process.pid)).not.toThrow();
  });
});
