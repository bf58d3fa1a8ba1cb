import { HOUR, lines, MIN, noTrip, run, T0, TrackBuilder } from './fixtures/monitor-test-kit.js';
import type { DrivingState } from './driving-time.rules.js';
import type { MonitorState } from './monitor-engine.js';
import type { VehicleRuleState } from './monitoring.types.js';

const driving = (s: VehicleRuleState) => (s as unknown as MonitorState).live.driving;
const withDriving = (s: VehicleRuleState, d: DrivingState) => {
  const m = s as unknown as MonitorState;
  return { ...m, live: { ...m.live, driving: d } } as unknown as VehicleRuleState;
};
const only = (rule: string, ls: string[]) => ls.filter((l) => l.includes(`${rule}/`));

describe('evaluateDrivingTime (TR-03/04/05)', () => {
  const ctx = noTrip();

  it('should pre-warn at 3 h 45 and raise to an alarm at exactly 4 h of continuous driving', () => {
    const track = new TrackBuilder().drive(241, 60, 60).fixes; // fixes at 0..240 min
    expect(only('TR-03', lines(run(track, ctx).signals))).toEqual(['+3h45m00s TR-03/ open warn', '+4h00m00s TR-03/ update alarm']);
  });

  it('should close at the end of a 20 min rest and start counting again from zero', () => {
    const b = new TrackBuilder().drive(226, 60, 60).stand(21, 60).drive(230, 60, 60); // stand 226..246 min
    const ls = only('TR-03', lines(run(b.fixes, ctx).signals));
    expect(ls).toEqual(['+3h45m00s TR-03/ open warn', '+4h06m00s TR-03/ close warn', '+7h52m00s TR-03/ open warn']);
  });

  it('should not reset on a 19 min stop (short stops neither count nor reset)', () => {
    const b = new TrackBuilder().drive(226, 60, 60).stand(20, 60).drive(20, 60, 60); // standing fixes 226..245 min
    // 226 min driven before the stop; after it, driving resumes at 246 min: 240 min reached at 260 min.
    expect(only('TR-03', lines(run(b.fixes, ctx).signals))).toEqual(['+3h45m00s TR-03/ open warn', '+4h20m00s TR-03/ update alarm']);
  });

  it('should count a silent gap as driving when the vehicle got somewhere, and as rest when it did not', () => {
    const moved = new TrackBuilder().drive(200, 60, 60).silence(30 * MIN, 30_000).drive(20, 60, 60);
    // 199 min + a 31 min gap = 230 min at the first fix after it -> pre-warning (>= 225) right there.
    expect(only('TR-03', lines(run(moved.fixes, ctx).signals))).toEqual(['+3h50m00s TR-03/ open warn', '+4h00m00s TR-03/ update alarm']);
    const parked = new TrackBuilder().drive(200, 60, 60).stand(1, 60).silence(29 * MIN).stand(1, 60).drive(50, 60, 60);
    expect(only('TR-03', lines(run(parked.fixes, ctx).signals))).toEqual([]);
  });

  describe('night driving (TR-04, 22:00-06:00 China time)', () => {
    const at2100 = T0 + 11 * HOUR; // Monday 21:00 in Shanghai (13:00 UTC)

    it('should not warn at exactly 2 h of night driving, and warn at 2 h 01', () => {
      // 21:00 .. 00:00: 120 min inside the window.
      const exactly = new TrackBuilder(at2100).drive(181, 60, 60).fixes;
      expect(only('TR-04', lines(run(exactly, ctx).signals))).toEqual([]);
      const over = new TrackBuilder(at2100).drive(182, 60, 60).fixes;
      expect(only('TR-04', lines(run(over, ctx).signals, at2100))).toEqual(['+3h01m00s TR-04/ open warn']);
    });

    it('should close at the first fix at 06:00 (the window is [22:00, 06:00))', () => {
      const b = new TrackBuilder(at2100).drive(2, 60, 60); // 21:00, 21:01
      b.silence(3 * HOUR - 2 * MIN, 180_000).drive(1, 60, 60); // 00:00 (gap, driven: exactly 2 h of night)
      b.silence(5 * HOUR + 58 * MIN, 354_000).drive(2, 60, 60); // 05:59 (gap, driven), 06:00
      const ls = only('TR-04', lines(run(b.fixes, ctx).signals, at2100));
      expect(ls).toEqual(['+8h59m00s TR-04/ open warn', '+9h00m00s TR-04/ close warn']);
    });

    it('should reset night driving on a 20 min rest', () => {
      const b = new TrackBuilder(at2100 + HOUR).drive(100, 60, 60).stand(21, 60).drive(100, 60, 60);
      expect(only('TR-04', lines(run(b.fixes, ctx).signals))).toEqual([]);
    });
  });

  describe('daily driving (TR-05)', () => {
    it('should alarm above 8 h in 24 h and close once the early driving leaves the 24 h window', () => {
      // 481 min driven from 10:00 (a bucket boundary), then parked with a fix every 4 min (482, 486, ... min):
      // the first 15 min bucket leaves the window at the first fix >= 24 h.
      const b = new TrackBuilder().drive(482, 60, 60).stand(241, 4 * 60);
      expect(only('TR-05', lines(run(b.fixes, ctx).signals))).toEqual(['+8h01m00s TR-05/ open alarm', '+24h02m00s TR-05/ close alarm']);
    });

    it('should add driving inside the newest 15 min bucket without copying the ring, and keep the same total', () => {
      // 10:00 to 10:14 at 1 fix/min, all inside one bucket: the first interval makes the ring, the other 13 reuse it.
      const fixes = new TrackBuilder().drive(15, 60, 60).fixes;
      const first = run(fixes.slice(0, 2), noTrip());
      const inBucket = run(fixes.slice(2), noTrip(), [], undefined, first.state);
      const d = driving(inBucket.state);
      expect(d.daily).toBe(driving(first.state).daily);
      expect(d.dailyMs).toBe(14 * MIN);
      expect(d.dailyPendingMs).toBe(13 * MIN);
      expect(d.daily.reduce((a, b) => a + b, 0) + d.dailyPendingMs!).toBe(d.dailyMs);
      const next = run(new TrackBuilder(T0 + 15 * MIN).drive(3, 60, 60).fixes, noTrip(), [], undefined, inBucket.state);
      // Crossing into the next bucket writes the pending time into the ring (a new array) and starts again.
      expect(driving(next.state).daily).not.toBe(d.daily);
      expect(driving(next.state).daily[Math.floor(T0 / (15 * MIN)) % 96]).toBe(15 * MIN);
      expect(driving(next.state).dailyMs).toBe(17 * MIN);
      const within = run(new TrackBuilder(T0 + 18 * MIN).drive(3, 60, 60).fixes, noTrip(), [], undefined, next.state);
      expect(driving(within.state).daily).toBe(driving(next.state).daily);
    });

    it('should carry on from a state stored before the pending time existed', () => {
      const before = run(new TrackBuilder().drive(200, 60, 60).fixes, noTrip());
      // The same state in the old shape: everything in the ring, no dailyPendingMs.
      const { dailyPendingMs, ...old } = driving(before.state);
      const ring = old.daily.slice();
      ring[old.dailyHead! % ring.length] += dailyPendingMs!;
      const stored: DrivingState = { ...old, daily: ring };
      const after = new TrackBuilder(T0 + 200 * MIN).drive(290, 60, 60).fixes;
      const fromNew = run(after, noTrip(), [], undefined, before.state);
      const fromOld = run(after, noTrip(), [], undefined, withDriving(before.state, stored));
      expect(driving(fromOld.state).dailyMs).toBe(driving(fromNew.state).dailyMs);
      expect(only('TR-05', lines(fromOld.signals))).toEqual(only('TR-05', lines(fromNew.signals)));
      expect(only('TR-05', lines(fromNew.signals))).toEqual(['+8h01m00s TR-05/ open alarm']);
    });

    it('should restart the count for another driver', () => {
      const first = new TrackBuilder().drive(300, 60, 60).stand(30, 60);
      const r1 = run(first.fixes, noTrip({ driverId: 'driver-a' }));
      const second = new TrackBuilder(first.t, first.lat).drive(300, 60, 60);
      const r2 = run(second.fixes, noTrip({ driverId: 'driver-b' }), [], undefined, r1.state);
      expect(only('TR-05', lines(r2.signals))).toEqual([]);
      const same = run(second.fixes, noTrip({ driverId: 'driver-a' }), [], undefined, r1.state);
      // 300 min before the stop (the interval into the first standing fix counts), then > 180 min more from 330.
      expect(only('TR-05', lines(same.signals))).toEqual(['+8h31m00s TR-05/ open alarm']);
    });
  });
});
