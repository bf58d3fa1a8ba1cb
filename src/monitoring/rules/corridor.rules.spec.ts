import { BASE, lines, run, S, T0, TrackBuilder, tripContext } from './fixtures/monitor-test-kit.js';
import { routeIndex, routeMatch, segmentDistanceM } from './monitor-geometry.js';
import { haversineMeters } from '../../waybills/geo.rules.js';

// A planned route due north along 110°E from 40.0°N to 40.5°N, a point every 0.01° (about 1.1 km).
const route: [number, number][] = Array.from({ length: 51 }, (_, i) => [BASE.lat + i * 0.01, BASE.lon]);
const ctx = tripContext({ plannedRoute: route });
const only = (ls: string[]) => ls.filter((l) => l.includes('TR-06/'));

describe('routeMatch', () => {
  const ix = routeIndex(route)!;

  it('should measure the distance to the route like haversine to the nearest point on it', () => {
    const east = BASE.lon + 0.01; // ~852 m east at 40°N
    const m = routeMatch(ix, 40.2051, east, 0, 4, 500);
    expect(m.fullScan).toBe(true); // the hint (segment 0) is far away
    expect(m.segment).toBe(20);
    expect(Math.abs(m.distanceM - haversineMeters({ lat: 40.2051, lon: east }, { lat: 40.2051, lon: BASE.lon }))).toBeLessThan(1);
  });

  it('should answer from the local window when the vehicle is near its last segment', () => {
    const m = routeMatch(ix, 40.2051, BASE.lon + 0.001, 19, 4, 500);
    expect(m.fullScan).toBe(false);
    expect(m.segment).toBe(20);
  });

  it('should cache the prepared route by identity', () => {
    expect(routeIndex(route)).toBe(ix);
    expect(routeIndex([[1, 2]])).toBeNull();
  });

  it('should measure beyond the ends of the route to its end points', () => {
    const d = segmentDistanceM(ix, 0, BASE.lat - 0.01, BASE.lon);
    expect(Math.abs(d - haversineMeters({ lat: BASE.lat - 0.01, lon: BASE.lon }, BASE))).toBeLessThan(1);
  });
});

describe('evaluateCorridor (TR-06)', () => {
  it('should stay quiet inside the 500 m corridor', () => {
    const b = new TrackBuilder().shiftEast(480).drive(60, 10, 60);
    expect(only(lines(run(b.fixes, ctx).signals))).toEqual([]);
  });

  it('should not open after exactly 2 min outside, and open just after 2 min', () => {
    // 20 km/h: 2 min outside covers 667 m, under the 1 km rule.
    const exactly = new TrackBuilder().drive(3, 10, 20).shiftEast(600).drive(13, 10, 20).shiftEast(-600).drive(3, 10, 20);
    expect(only(lines(run(exactly.fixes, ctx).signals))).toEqual([]);
    const over = new TrackBuilder().drive(3, 10, 20).shiftEast(600).drive(14, 10, 20).shiftEast(-600).drive(3, 10, 20);
    expect(only(lines(run(over.fixes, ctx).signals))).toEqual(['+02m40s TR-06/ open alarm', '+02m50s TR-06/ close alarm']);
  });

  it('should open after more than 1 km driven outside, before 2 min', () => {
    // 60 km/h, a fix every 10 s (167 m): 1,000 m after 6 steps (not more), 1,167 m after 7.
    const b = new TrackBuilder().drive(3, 10, 60).shiftEast(700).drive(10, 10, 60);
    const r = run(b.fixes, ctx);
    expect(only(lines(r.signals))).toEqual(['+01m40s TR-06/ open alarm']);
    // (the 700 m sideways jump in 10 s is also a TR-15 plausibility finding)
    expect(r.signals.find((s) => s.ruleId === 'TR-06')!.evidence).toMatchObject({ corridorM: 500, distanceM: 700, outsideTravelM: 1167, permitRoute: false });
  });

  it('should use hysteresis: back at 450 m the episode stays open, at 390 m it closes', () => {
    const b = new TrackBuilder().shiftEast(600).drive(15, 10, 20).shiftEast(-150).drive(5, 10, 20).shiftEast(-60).drive(2, 10, 20);
    expect(only(lines(run(b.fixes, ctx).signals))).toEqual(['+02m10s TR-06/ open alarm', '+03m20s TR-06/ close alarm']);
  });

  it('should not count a run that came back inside before it was due', () => {
    const b = new TrackBuilder().shiftEast(600).drive(10, 10, 20).shiftEast(-300).drive(2, 10, 20).shiftEast(300).drive(10, 10, 20);
    expect(only(lines(run(b.fixes, ctx).signals))).toEqual([]);
  });

  it('should make permit goods critical at the first fix beyond 200 m', () => {
    const b = new TrackBuilder().drive(2, 10, 60).shiftEast(250).drive(3, 10, 60).shiftEast(-70).drive(1, 10, 60).shiftEast(-90).drive(1, 10, 60);
    const r = run(b.fixes, tripContext({ plannedRoute: route, permitGoods: true }));
    // 180 m is inside 200 m but not within 200 - 50: stays open; 90 m closes.
    expect(only(lines(r.signals))).toEqual(['+00m20s TR-06/ open critical', '+01m00s TR-06/ close critical']);
  });

  it('should close an open deviation when the trip ends', () => {
    const b = new TrackBuilder().shiftEast(2000).drive(20, 10, 60);
    const r1 = run(b.fixes, ctx);
    const after = new TrackBuilder(b.t, b.lat, b.lon).drive(2, 10, 60);
    const r2 = run(after.fixes, tripContext({ plannedRoute: route, waybillStatus: 'arrived' }), [], undefined, r1.state);
    expect(only(lines([...r1.signals, ...r2.signals]))).toEqual(['+01m10s TR-06/ open alarm', '+03m20s TR-06/ close alarm']);
    expect(b.t).toBe(T0 + 200 * S);
  });
});
