import { BASE, driveNorth, lines, noTrip, run, S, squareZone, T0, TrackBuilder, tripContext } from './fixtures/monitor-test-kit.js';
import { monitorConfig } from './monitor-config.js';

describe('evaluateSpeed (TR-01/TR-02)', () => {
  const ctx = noTrip();

  it('should not fire at exactly the limit (80 km/h is allowed)', () => {
    expect(run(driveNorth({ from: T0, count: 60, stepS: 1, kmh: 80 }), ctx).signals.filter((s) => s.severity !== 'warn')).toEqual([]);
  });

  it('should open an alarm once just over the limit has lasted exactly 10 s, and not at 9 s', () => {
    const nine = driveNorth({ from: T0, count: 10, stepS: 1, kmh: 80.1 }); // t = 0..9 s
    expect(lines(run(nine, ctx, [], monitorConfig({ speed: { preWarnMarginKmh: 0 } })).signals)).toEqual([]);
    const ten = driveNorth({ from: T0, count: 11, stepS: 1, kmh: 80.1 }); // t = 0..10 s
    const r = run(ten, ctx, [], monitorConfig({ speed: { preWarnMarginKmh: 0 } }));
    expect(lines(r.signals)).toEqual(['+00m10s TR-01/ open alarm']);
    expect(r.signals[0]!.evidence).toMatchObject({ limitKmh: 80, maxKmh: 80.1 });
  });

  it('should pre-warn at 75 km/h and raise the same episode to an alarm, then close after 10 s below 75', () => {
    // 75 km/h over 0..14 s, 90 over 15..29 s, 70 over 30..41 s
    const track = new TrackBuilder().drive(15, 1, 75).drive(15, 1, 90).drive(12, 1, 70).fixes;
    expect(lines(run(track, ctx).signals)).toEqual([
      '+00m10s TR-01/ open warn',
      '+00m25s TR-01/ update alarm',
      '+00m40s TR-01/ close alarm',
    ]);
  });

  it('should keep the episode open while the speed dips below 75 for less than 10 s', () => {
    const track = new TrackBuilder().drive(12, 1, 90).drive(5, 1, 60).drive(12, 1, 90).fixes;
    expect(lines(run(track, ctx).signals)).toEqual(['+00m10s TR-01/ open alarm']);
  });

  it('should apply a lower zone limit as TR-02 (other roads, 60 km/h)', () => {
    const town = squareZone({ id: 'town', kind: 'populated', lat: BASE.lat, lon: BASE.lon, halfM: 5000, speedLimitKmh: 60 });
    const r = run(driveNorth({ from: T0, count: 12, stepS: 1, kmh: 70 }), ctx, [town]);
    expect(lines(r.signals)).toEqual(['+00m10s TR-02/ open alarm']);
    expect(r.signals[0]!.evidence).toMatchObject({ limitKmh: 60, zoneId: 'town' });
  });

  it('should use the trip limit when the waybill sets one', () => {
    const r = run(driveNorth({ from: T0, count: 12, stepS: 1, kmh: 65 }), tripContext({ speedLimitKmh: 60 }));
    expect(lines(r.signals).filter((l) => l.includes('TR-02'))).toEqual(['+00m10s TR-02/ open alarm']);
  });

  it('should not count two fast fixes across a gap as sustained', () => {
    const track = new TrackBuilder().drive(1, 1, 95).silence(10 * 60 * S, 15_000).drive(1, 1, 95).fixes;
    expect(run(track, ctx).signals).toEqual([]);
  });

  it('should treat sparse reports (30 s apart) over the limit as sustained', () => {
    expect(lines(run(driveNorth({ from: T0, count: 2, stepS: 30, kmh: 95 }), ctx).signals)).toEqual(['+00m30s TR-01/ open alarm']);
  });
});
