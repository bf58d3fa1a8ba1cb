import { QUALITY } from '../../tracking/positions/plausibility.rules.js';
import { BASE, HOUR, lines, M_PER_DEG_LAT, MIN, noTrip, position, run, S, squareZone, T0, TrackBuilder, tripContext } from './fixtures/monitor-test-kit.js';
import { closeRecord, evaluateClock, evaluatePosition, initialMonitorState } from './monitor-engine.js';
import type { GeofenceRef } from './monitoring.types.js';
import { bansGoods } from './zones.rules.js';
import { inTimeWindow } from './china-time.js';

const only = (rule: string, ls: string[]) => ls.filter((l) => l.includes(`${rule}/`));
const north = (m: number) => BASE.lat + m / M_PER_DEG_LAT;
const circle = (placeId: string, lat: number, radiusM: number): GeofenceRef => ({ placeId, name: placeId, lat, lon: BASE.lon, geofence: null, radiusM });

describe('China time helpers', () => {
  it('should place window boundaries in Asia/Shanghai, [from, to) and wrapping midnight', () => {
    const night = { from: '22:00', to: '06:00' };
    expect(inTimeWindow(Date.parse('2026-03-02T13:59:59Z'), night)).toBe(false); // 21:59:59
    expect(inTimeWindow(Date.parse('2026-03-02T14:00:00Z'), night)).toBe(true); // 22:00
    expect(inTimeWindow(Date.parse('2026-03-02T21:59:59Z'), night)).toBe(true); // 05:59:59
    expect(inTimeWindow(Date.parse('2026-03-02T22:00:00Z'), night)).toBe(false); // 06:00
  });

  it('should give the weekday the window started on to its morning part', () => {
    const fridayNight = { days: [5], from: '22:00', to: '06:00' };
    expect(inTimeWindow(Date.parse('2026-03-06T15:00:00Z'), fridayNight)).toBe(true); // Fri 23:00
    expect(inTimeWindow(Date.parse('2026-03-06T20:00:00Z'), fridayNight)).toBe(true); // Sat 04:00
    expect(inTimeWindow(Date.parse('2026-03-07T15:00:00Z'), fridayNight)).toBe(false); // Sat 23:00
  });
});

describe('evaluateZones (TR-07/TR-08)', () => {
  // 54 km/h north, a fix every 10 s (150 m); the zone spans 2,000-4,000 m north: inside from 2,100 m (140 s) to
  // 3,900 m, outside again at 4,050 m (270 s).
  const zone = squareZone({ id: 'water', lat: north(3000), lon: BASE.lon, halfM: 1000 });
  const track = new TrackBuilder().drive(30, 10, 54).fixes;

  it('should open a critical episode on entry and close it on exit', () => {
    const r = run(track, tripContext(), [zone]);
    expect(only('TR-07', lines(r.signals))).toEqual(['+02m20s TR-07/water open critical', '+04m30s TR-07/water close critical']);
  });

  it('should apply only to banned classes, not to approved trips, not without goods', () => {
    expect(run(track, tripContext({ goodsClasses: ['3'] }), [{ ...zone, bannedClasses: ['2.1'] }]).signals).toEqual([]);
    expect(only('TR-07', lines(run(track, tripContext({ goodsClasses: ['2.1'] }), [{ ...zone, bannedClasses: ['2'] }]).signals))).toHaveLength(2);
    expect(run(track, tripContext({ approvedZoneIds: ['water'] }), [zone]).signals).toEqual([]);
    expect(run(track, noTrip(), [zone]).signals).toEqual([]);
    expect(bansGoods({ ...zone, bannedClasses: ['1'] }, ['1.4'])).toBe(true);
    expect(bansGoods({ ...zone, bannedClasses: ['2.1'] }, ['2.2'])).toBe(false);
  });

  it('should raise TR-08 only during the ban window and close when the window ends', () => {
    const windowed = { ...zone, windows: [{ from: '10:00', to: '10:03' }] }; // T0 is 10:00 in Shanghai
    expect(only('TR-08', lines(run(track, tripContext(), [windowed]).signals))).toEqual(['+02m20s TR-08/water open critical', '+03m00s TR-08/water close critical']);
  });
});

describe('evaluateZones (TR-09 tunnels)', () => {
  const tunnel = { ...squareZone({ id: 'tunnel', kind: 'tunnel', lat: north(3000), lon: BASE.lon, halfM: 1000 }), tunnelCategory: 'D' as const };
  const track = new TrackBuilder().drive(30, 10, 54).fixes;

  it('should raise a critical episode in a tunnel whose category the load may not enter, closed on leaving it', () => {
    const r = run(track, tripContext({ tunnelProhibited: ['D', 'E'] }), [tunnel]);
    expect(only('TR-09', lines(r.signals))).toEqual(['+02m20s TR-09/tunnel open critical', '+04m30s TR-09/tunnel close critical']);
    expect(r.signals[0]!.evidence).toMatchObject({ tunnelCategory: 'D', prohibitedCategories: ['D', 'E'] });
    expect(r.signals[0]!.message.zh).toContain('D类');
  });

  it('should say nothing for a permitted category, an approved trip, a tunnel without category or a load without code', () => {
    expect(run(track, tripContext({ tunnelProhibited: ['E'] }), [tunnel]).signals).toEqual([]);
    expect(run(track, tripContext({ tunnelProhibited: ['D', 'E'], approvedZoneIds: ['tunnel'] }), [tunnel]).signals).toEqual([]);
    expect(run(track, tripContext({ tunnelProhibited: ['D', 'E'] }), [{ ...tunnel, tunnelCategory: null }]).signals).toEqual([]);
    expect(run(track, tripContext(), [tunnel]).signals).toEqual([]);
  });

  it('should not treat a tunnel as a restricted zone for the classes on board', () => {
    expect(run(track, tripContext({ goodsClasses: ['3'] }), [{ ...tunnel, bannedClasses: [] }]).signals).toEqual([]);
  });
});

describe('evaluateStop (TR-10)', () => {
  const ctx = tripContext();

  it('should warn after more than 20 min standing on open road and close when moving on', () => {
    const b = new TrackBuilder().drive(2, 60, 60).stand(25, 60).drive(2, 60, 60); // standing 2..26 min
    expect(only('TR-10', lines(run(b.fixes, ctx).signals))).toEqual(['+23m00s TR-10/ open warn', '+27m00s TR-10/ close warn']);
  });

  it('should alarm after more than 5 min in a populated zone, and say nothing in designated parking', () => {
    const town = squareZone({ id: 'town', kind: 'populated', lat: BASE.lat, lon: BASE.lon, halfM: 5000 });
    const b = new TrackBuilder().drive(2, 60, 60).stand(10, 60);
    expect(only('TR-10', lines(run(b.fixes, ctx, [town]).signals))).toEqual(['+08m00s TR-10/ open alarm']);
    const parking = { ...town, id: 'park', kind: 'parking' as const };
    expect(only('TR-10', lines(run(new TrackBuilder().drive(2, 60, 60).stand(40, 60).fixes, ctx, [parking]).signals))).toEqual([]);
  });

  it('should want an escort check-in for any stop of stop-sensitive goods, parking included', () => {
    const parking = squareZone({ id: 'park', kind: 'parking', lat: BASE.lat, lon: BASE.lon, halfM: 5000 });
    const r = run(new TrackBuilder().drive(2, 60, 60).stand(6, 60).fixes, tripContext({ stopSensitiveGoods: true }), [parking]);
    expect(only('TR-10', lines(r.signals))).toEqual(['+05m00s TR-10/ open alarm']);
    expect(r.signals[0]!.evidence).toMatchObject({ reason: 'escort-check-in', place: 'planned' });
  });

  it('should raise a stop from the clock when a parked terminal stays quiet', () => {
    const b = new TrackBuilder().drive(2, 60, 60).stand(1, 60);
    expect(only('TR-10', lines(run([...b.fixes, { clock: T0 + 22 * MIN }, { clock: T0 + 22 * MIN + S }], ctx).signals))).toEqual(['+22m01s TR-10/ open warn']);
  });
});

describe('evaluatePermitWindow (TR-11)', () => {
  const permitWindows = [{ permitId: 'p1', number: 'JD-2026-001', validFrom: new Date(T0 + HOUR), validTo: new Date(T0 + 5 * HOUR) }];
  const ctx = tripContext({ permitWindows, permitGoods: true });

  it('should be critical when moving before the window and close after standing 5 min', () => {
    const b = new TrackBuilder().drive(3, 60, 60).stand(6, 60); // standing from 3 min
    expect(only('TR-11', lines(run(b.fixes, ctx).signals))).toEqual(['+00m00s TR-11/p1 open critical', '+08m00s TR-11/p1 close critical']);
  });

  it('should not fire while moving inside the window', () => {
    expect(run(new TrackBuilder(T0 + 2 * HOUR).drive(10, 60, 60).fixes, ctx).signals).toEqual([]);
  });

  it('should open from the clock when the vehicle was last seen moving and the window has passed', () => {
    const b = new TrackBuilder(T0 + 5 * HOUR - MIN).drive(1, 60, 60);
    const r = run([...b.fixes, { clock: T0 + 5 * HOUR }, { clock: T0 + 5 * HOUR + S }], ctx);
    expect(only('TR-11', lines(r.signals))).toEqual(['+5h00m01s TR-11/p1 open critical']);
  });
});

describe('evaluateExpiry (TR-12)', () => {
  // T0 is Monday 2026-03-02 in Shanghai; arrival planned on Wednesday 03-04.
  const ctx = (expiries: { kind: string; subject: string; expiresOn: string }[]) => tripContext({ plannedArrival: new Date(T0 + 2 * 24 * HOUR), expiries });

  it('should warn for a certificate ending before the arrival day and alarm once it has ended', () => {
    const c = ctx([
      { kind: 'driver-qualification', subject: 'd1', expiresOn: '2026-03-03' },
      { kind: 'tank-inspection', subject: 't1', expiresOn: '2026-03-01' },
      { kind: 'insurance', subject: 'v1', expiresOn: '2026-03-04' }, // valid through the arrival day
    ]);
    const r = run([{ clock: T0 }, { clock: T0 + 24 * HOUR }, { clock: T0 + 40 * HOUR }], c);
    // Tuesday 10:00: still valid through today; Wednesday 02:00 China: expired.
    expect(only('TR-12', lines(r.signals))).toEqual([
      '+00m00s TR-12/driver-qualification:d1 open warn',
      '+00m00s TR-12/tank-inspection:t1 open alarm',
      '+40h00m00s TR-12/driver-qualification:d1 update alarm',
    ]);
  });

  it('should close when the certificate is renewed', () => {
    const r1 = run([{ clock: T0 }], ctx([{ kind: 'driver-qualification', subject: 'd1', expiresOn: '2026-03-03' }]));
    const r2 = run([{ clock: T0 + MIN }], ctx([{ kind: 'driver-qualification', subject: 'd1', expiresOn: '2031-03-03' }]), [], undefined, r1.state);
    expect(lines([...r1.signals, ...r2.signals])).toEqual(['+00m00s TR-12/driver-qualification:d1 open warn', '+01m00s TR-12/driver-qualification:d1 close warn']);
  });
});

describe('evaluateOffline (TR-13)', () => {
  it('should escalate warn -> alarm -> critical and close at the next received position', () => {
    const ctx = tripContext();
    const steps = [
      position({ at: T0, speedKmh: 50 }), // received at T0 + 0.5 s
      { clock: T0 + 5 * MIN + 500 }, // exactly 5 min silent: nothing yet
      { clock: T0 + 5 * MIN + 501 },
      { clock: T0 + 10 * MIN },
      { clock: T0 + 20 * MIN + 501 },
      { clock: T0 + 60 * MIN + 501 },
      position({ at: T0 + 61 * MIN, speedKmh: 50, lat: north(50_000) }),
    ];
    const r = run(steps, ctx);
    expect(only('TR-13', lines(r.signals))).toEqual([
      '+05m01s TR-13/ open warn',
      '+20m01s TR-13/ update alarm',
      '+1h00m01s TR-13/ update critical',
      '+1h01m01s TR-13/ close critical',
    ]);
    expect(r.signals.find((s) => s.severity === 'critical')!.evidence).toMatchObject({ action: 'escalate-safety-manager' });
  });

  it('should close only on a live position: a back-filled one keeps the silence from growing but closes nothing', () => {
    const steps = [
      position({ at: T0, speedKmh: 50 }),
      { clock: T0 + 6 * MIN },
      { position: position({ at: T0 + 2 * MIN, speedKmh: 50, backfill: true, receivedAt: new Date(T0 + 7 * MIN) }) },
      { clock: T0 + 22 * MIN }, // 15 min after the back-filled one was received: still a warning only
      position({ at: T0 + 23 * MIN, speedKmh: 50, lat: north(20_000) }),
    ];
    const r = run(steps, tripContext());
    expect(lines(r.signals)).toEqual(['+06m00s TR-13/ open warn', '+23m01s TR-13/ close warn']); // closed at receivedAt (+0.5 s)
    expect(r.signals.every((x) => x.historical === undefined)).toBe(true);
  });

  it('should not watch a vehicle that is not in transit', () => {
    expect(run([position({ at: T0 }), { clock: T0 + 2 * HOUR }], noTrip()).signals).toEqual([]);
  });
});

describe('evaluateTerminalAlarms (TR-14)', () => {
  it('should open per bit while set (emergency critical, power cut alarm) and close when cleared', () => {
    const b = new TrackBuilder().drive(2, 10, 50).drive(2, 10, 50, { alarmBits: 1 | (1 << 8) }).drive(1, 10, 50, { alarmBits: 1 << 8 }).drive(1, 10, 50);
    expect(lines(run(b.fixes, noTrip()).signals)).toEqual([
      '+00m20s TR-14/bit0 open critical',
      '+00m20s TR-14/bit8 open alarm',
      '+00m40s TR-14/bit0 close critical',
      '+00m50s TR-14/bit8 close alarm',
    ]);
  });
});

describe('evaluatePlausibility (TR-15)', () => {
  it('should warn on flagged positions, keep them out of the other rules, and close after 3 clean fixes', () => {
    const route: [number, number][] = [
      [BASE.lat, BASE.lon],
      [BASE.lat + 0.5, BASE.lon],
    ];
    const b = new TrackBuilder().drive(2, 10, 50);
    b.fixes.push(position({ at: b.t, lat: 39.0, lon: 112.0, speedKmh: 50, quality: QUALITY.IMPOSSIBLE_JUMP }));
    b.t += 10 * S;
    b.drive(4, 10, 50);
    const r = run(b.fixes, tripContext({ plannedRoute: route }));
    expect(lines(r.signals)).toEqual(['+00m20s TR-15/ open warn', '+00m50s TR-15/ close warn']);
  });

  it('should warn on an implied speed above 150 km/h between clean fixes', () => {
    const b = new TrackBuilder().drive(2, 10, 50).shiftEast(500).drive(1, 10, 50); // 500 m in 10 s = 180 km/h
    expect(lines(run(b.fixes, noTrip()).signals)).toEqual(['+00m20s TR-15/ open warn']);
  });
});

describe('evaluateEta (TR-17)', () => {
  const ctx = tripContext({ plannedDeparture: new Date(T0), plannedArrival: new Date(T0 + 2 * HOUR), departedAt: new Date(T0) });

  it('should warn beyond planned duration + 30 % (not at exactly 30 %) and close when the trip ends', () => {
    const r1 = run([{ clock: T0 + 156 * MIN }, { clock: T0 + 156 * MIN + S }], ctx);
    const r2 = run([{ clock: T0 + 3 * HOUR }], { ...ctx, waybillStatus: 'arrived' }, [], undefined, r1.state);
    expect(only('TR-17', lines([...r1.signals, ...r2.signals]))).toEqual(['+2h36m01s TR-17/ open warn', '+3h00m00s TR-17/ close warn']);
  });
});

describe('evaluateTripProgress (departure, TR-18 arrival)', () => {
  const loadingSite = circle('site', BASE.lat, 300);
  const destination = circle('dest', north(5000), 300);

  it('should report departure on leaving the loading site and arrival on entering the destination', () => {
    // Standing at the site 0-120 s; from 180 s 150 m per 10 s: 450 m (outside the 300 m site) at 210 s, 4,800 m
    // (inside the destination's 300 m) at 500 s; standing at 4,950 m; 5,400 m (outside) at 660 s.
    const b = new TrackBuilder().stand(3, 60).drive(33, 10, 54).stand(2, 60).drive(5, 10, 54);
    const loaded = tripContext({ waybillStatus: 'loaded', loadingSite, destination });
    const r = run(b.fixes, loaded);
    expect(r.trip.map((e) => `${e.kind} ${e.placeId} +${(e.at.getTime() - T0) / S}s`)).toEqual(['departed site +210s', 'arrived dest +500s']);
    expect(only('TR-18', lines(r.signals))).toEqual(['+08m20s TR-18/dest open info', '+11m00s TR-18/dest close info']);
  });

  it('should infer a departure when the first fix seen is already outside the site, moving', () => {
    const r = run(new TrackBuilder(T0, north(1000)).drive(2, 10, 54).fixes, tripContext({ waybillStatus: 'loaded', loadingSite, destination }));
    expect(r.trip.map((e) => e.kind)).toEqual(['departed']);
  });
});

describe('live and record', () => {
  const ctx = noTrip();
  const fast = (from: number, n: number, extra = {}) => new TrackBuilder(from).drive(n, 1, 95, extra).fixes;

  it('should evaluate back-filled positions for the record: historical signals, live state untouched', () => {
    const lb = new TrackBuilder(T0 + HOUR).drive(5, 10, 60);
    const live = run(lb.fixes, ctx);
    const backfill = fast(T0, 20, { backfill: true });
    const r = run(backfill, ctx, [], undefined, live.state);
    expect(lines(r.signals, T0)).toEqual(['+00m10s TR-01/ open alarm (h)']);
    const closed = closeRecord(r.state);
    expect(lines(closed.signals, T0)).toEqual(['+00m19s TR-01/ close alarm (h)']);
    // The live stream carries on as if nothing happened.
    const next = run(lb.drive(3, 10, 60).fixes.slice(5), ctx, [], undefined, closed.state);
    expect(next.signals).toEqual([]);
  });

  it('should treat a late live position (fix time before the last live one) as record', () => {
    const live = run(new TrackBuilder(T0 + HOUR).drive(3, 10, 60).fixes, ctx);
    const late = evaluatePosition(live.state, position({ at: T0, alarmBits: 1 }), ctx, []);
    expect(lines(late.signals)).toEqual(['+00m00s TR-14/bit0 open critical (h)']);
    expect(lines(evaluatePosition(live.state, position({ at: T0 }), ctx, [], undefined, 'record').signals)).toEqual([]);
  });

  it('should close an idle record stream from the clock, and restart it after going back in time', () => {
    const a = run(fast(T0, 15, { backfill: true }), ctx);
    const back = run(fast(T0 - HOUR, 15, { backfill: true }), ctx, [], undefined, a.state);
    expect(lines(back.signals)).toEqual(['+00m14s TR-01/ close alarm (h)', '-59m50s TR-01/ open alarm (h)']);
    const idle = evaluateClock(back.state, new Date(T0 + 10 * MIN), ctx);
    expect(lines(idle.signals)).toEqual(['-59m46s TR-01/ close alarm (h)']);
  });

  it('should ignore a duplicate live fix', () => {
    const live = run(fast(T0, 12), ctx);
    const dup = evaluatePosition(live.state, live.state && position({ at: T0 + 11 * S, speedKmh: 95, alarmBits: 1 }), ctx, []);
    expect(dup.signals).toEqual([]);
  });

  it('should keep the state plain JSON', () => {
    const r = run(new TrackBuilder().drive(30, 60, 90).stand(5, 60).fixes, tripContext({ plannedRoute: [[BASE.lat, BASE.lon], [BASE.lat + 1, BASE.lon]] }));
    expect(JSON.parse(JSON.stringify(r.state))).toEqual(r.state);
    expect(initialMonitorState()).toEqual(JSON.parse(JSON.stringify(initialMonitorState())));
  });
});
