import { admissionLimit, DrainRate, resumeBelow } from './admission.rules.js';

const options = { targetMs: 500, minRows: 2000, maxRows: 50_000 };

describe('admissionLimit', () => {
  it('should be the fixed maximum until a rate is measured, or when turned off', () => {
    expect(admissionLimit(null, options)).toBe(50_000);
    expect(admissionLimit(10_000, { ...options, targetMs: 0 })).toBe(50_000);
  });

  it('should accept what is committed in targetMs, between minRows and maxRows', () => {
    expect(admissionLimit(10_000, options)).toBe(5000);
    expect(admissionLimit(100, options)).toBe(2000);
    expect(admissionLimit(1_000_000, options)).toBe(50_000);
  });

  it('should resume intake below half the limit', () => {
    expect(resumeBelow(5000)).toBe(2500);
  });
});

describe(DrainRate.name, () => {
  it('should measure rows per second of busy time only, once per window', () => {
    const d = new DrainRate(0, 1000);
    d.busy(0);
    d.committed(1000, 200);
    expect(d.rowsPerSecond).toBeNull();
    d.idle(500); // idle from 500 to 900: not counted
    d.busy(900);
    expect(d.committed(1000, 1000)).toBe(true);
    // 2,000 rows in 600 ms busy
    expect(d.rowsPerSecond).toBeCloseTo(3333.3, 0);
  });

  it('should smooth a new window with the last estimate', () => {
    const d = new DrainRate(0, 1000);
    d.busy(0);
    d.committed(4000, 1000);
    expect(d.rowsPerSecond).toBe(4000);
    d.committed(8000, 2000);
    expect(d.rowsPerSecond).toBe(6000);
  });

  it('should keep the estimate when nothing was committed or nothing was pending', () => {
    const d = new DrainRate(0, 1000);
    d.busy(0);
    d.committed(5000, 1000);
    d.idle(1000);
    expect(d.committed(0, 2500)).toBe(false);
    expect(d.rowsPerSecond).toBe(5000);
  });
});
