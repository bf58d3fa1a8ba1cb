import { DrainRate, nextAdmissionLimit, resumeBelow } from './admission.rules.js';

const options = { targetMs: 500, minRows: 2000, maxRows: 50_000 };

describe(nextAdmissionLimit.name, () => {
  it('should be the fixed maximum when turned off', () => {
    expect(nextAdmissionLimit(5000, 9000, 10_000, true, { ...options, targetMs: 0 })).toBe(50_000);
  });

  it('should cut the limit to what is committed in targetMs when rows waited longer, never below minRows', () => {
    expect(nextAdmissionLimit(50_000, 4000, 10_000, true, options)).toBe(5000);
    expect(nextAdmissionLimit(50_000, 4000, 100, false, options)).toBe(2000);
    // Never raised by a slow window.
    expect(nextAdmissionLimit(3000, 600, 10_000, true, options)).toBe(3000);
  });

  it('should raise the limit by a quarter when it held intake back and rows were in time, up to maxRows', () => {
    expect(nextAdmissionLimit(8000, 300, 8000, true, options)).toBe(10_000);
    expect(nextAdmissionLimit(48_000, 300, 8000, true, options)).toBe(50_000);
  });

  it('should keep the limit when it did not bind and rows were in time', () => {
    expect(nextAdmissionLimit(50_000, 30, 200, false, options)).toBe(50_000);
    expect(nextAdmissionLimit(6000, 30, 200, false, options)).toBe(6000);
  });

  it('should resume intake below three quarters of the limit', () => {
    expect(resumeBelow(5000)).toBe(3750);
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
