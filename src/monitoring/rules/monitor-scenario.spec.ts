import { readFileSync } from 'node:fs';
import { generateDemoTrip, type DemoTrip, type RecordedPosition } from './fixtures/demo-trip.js';
import { evaluateClock, evaluatePosition, initialMonitorState } from './monitor-engine.js';
import type { AlarmSignal, MonitorPosition, TripContext, TripEvent, VehicleRuleState } from './monitoring.types.js';

// Replays the recorded demo trip (fixtures/demo-trip.json, see fixtures/demo-trip.ts) through the engine as the
// Nest side would: every position in the order received, and a clock tick at every whole minute of platform time.

const trip: DemoTrip = JSON.parse(readFileSync(new URL('./fixtures/demo-trip.json', import.meta.url), 'utf8'));
const START = Date.parse(trip.start);
const MIN = 60_000;
const HOUR = 3_600_000;

const toPosition = (p: RecordedPosition): MonitorPosition => ({ ...p, fixTime: new Date(p.fixTime), receivedAt: new Date(p.receivedAt) });

const [first, last] = [trip.route[0]!, trip.route[trip.route.length - 1]!];
const ctx: TripContext = {
  vehicleId: 'veh-demo',
  waybillId: 'wb-demo',
  waybillStatus: 'in_transit',
  plannedRoute: trip.route,
  permitGoods: false,
  stopSensitiveGoods: false,
  goodsClasses: ['3'],
  plannedDeparture: new Date(START),
  plannedArrival: new Date(START + 3 * HOUR),
  departedAt: null,
  permitWindows: [],
  expiries: [{ kind: 'tank-inspection', subject: 'tank-1', expiresOn: '2026-03-01' }],
  loadingSite: { placeId: 'ordos-methanol', name: 'Ordos methanol station', lat: first[0], lon: first[1], geofence: null, radiusM: 800 },
  destination: { placeId: 'hohhot-park', name: 'Hohhot chemical park', lat: last[0], lon: last[1], geofence: null, radiusM: 800 },
  plannedStops: [],
  driverId: 'driver-1',
};

type Out = { signals: AlarmSignal[]; trip: TripEvent[]; states: VehicleRuleState[] };

// Replay positions[from..] starting from `state` and clock `nextTick`.
function replay(positions: MonitorPosition[], state: VehicleRuleState, from = 0, nextTick = START + MIN): Out & { state: VehicleRuleState } {
  const out: Out = { signals: [], trip: [], states: [] };
  let tick = nextTick;
  const clockUntil = (t: number) => {
    for (; tick <= t; tick += MIN) {
      const r = evaluateClock(state, new Date(tick), ctx);
      state = r.state;
      out.signals.push(...r.signals);
    }
  };
  for (let i = from; i < positions.length; i++) {
    const p = positions[i]!;
    clockUntil(p.receivedAt.getTime());
    const r = evaluatePosition(state, p, ctx, []);
    state = r.state;
    out.signals.push(...r.signals);
    out.trip.push(...r.trip);
    out.states.push(state);
  }
  clockUntil(positions[positions.length - 1]!.receivedAt.getTime() + 10 * MIN);
  return { ...out, state };
}

const hm = (ms: number) => {
  const m = Math.round((ms - START) / 1000);
  return `${Math.floor(m / 3600)}:${String(Math.floor((m % 3600) / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
};

// Signals folded into episodes: "TR-06/ 1:31:30-1:44:00 alarm" (times from departure, h:mm:ss).
function episodes(signals: AlarmSignal[]): string[] {
  const open = new Map<string, { at: number; sev: string[] }>();
  const done: string[] = [];
  for (const s of signals) {
    const k = `${s.historical ? '(h) ' : ''}${s.ruleId}/${s.key}`;
    const e = open.get(k);
    if (s.action === 'open') open.set(k, { at: s.at.getTime(), sev: [s.severity] });
    else if (s.action === 'update') e!.sev.push(s.severity);
    else {
      done.push(`${k} ${hm(e!.at)}-${hm(s.at.getTime())} ${e!.sev.join('>')}`);
      open.delete(k);
    }
  }
  for (const [k, e] of open) done.push(`${k} ${hm(e.at)}- ${e.sev.join('>')}`);
  return done;
}

describe('monitoring scenario: the recorded demo trip', () => {
  const positions = trip.positions.map(toPosition);

  it('should be the trip the generator makes (the fixture is reproducible)', () => {
    expect(JSON.parse(JSON.stringify(generateDemoTrip()))).toEqual(trip);
  });

  it('should find exactly these alarm episodes', () => {
    const r = replay(positions, initialMonitorState());
    expect(episodes(r.signals)).toEqual([
      // 0:30-0:34 at 95 km/h: sustained from 0:30:00, alarm at the next fix (30 s >= 10 s); closed once below
      // 75 km/h for >= 10 s.
      'TR-01/ 0:30:30-0:34:30 alarm',
      // The detour's sideways ramps (2 km out and back at ~40 km/h sideways) put the ground speed above 80 and 75.
      'TR-01/ 1:31:00-1:34:00 alarm',
      // Passing a route vertex 2 km off the route swings the offset point: > 150 km/h implied between two fixes.
      'TR-15/ 1:37:00-1:38:30 warn',
      // Outside 500 m from 1:31:00, > 1 km driven outside by 1:32:00; back within 400 m at 1:44:30.
      'TR-06/ 1:32:00-1:44:30 alarm',
      'TR-01/ 1:43:00-1:46:00 warn',
      // Standing from 2:30:00: > 20 min at the 2:50:30 fix; moving again at 2:55:00.
      'TR-10/ 2:50:30-2:55:00 warn',
      // Last fix received 3:29:31.2; clock ticks: > 5 min at 3:35, > 20 min at 3:50; reconnected 3:55:01.2.
      'TR-13/ 3:35:00-3:55:01 warn>alarm',
      // The overspeed inside the silence comes back-filled: for the record only, closed when the record stream
      // goes idle.
      '(h) TR-01/ 3:42:30-3:45:30 alarm',
      // Still open at the end of the replay:
      'TR-12/tank-inspection:tank-1 0:01:00- alarm', // expired the day before departure; first clock tick
      'TR-17/ 3:56:00- warn', // planned 3 h, departed 0:01:00 (left the 800 m site): > 3 h 54 after that (3:55:00 is not >)
      'TR-18/hohhot-park 4:07:00- info', // arrived, stays at the destination
      'TR-13/ 5:36:00- warn', // the replay's last 10 min of clock: the waybill is still "in transit"
    ]);
    expect(r.trip.map((e) => `${e.kind} ${e.placeId} ${hm(e.at.getTime())}`)).toEqual(['departed ordos-methanol 0:01:00', 'arrived hohhot-park 4:07:00']);
  });

  it('should never modify the state it is given (every stored state deep-frozen and re-used)', () => {
    const freeze = (o: unknown): unknown => {
      if (o && typeof o === 'object') {
        Object.values(o).forEach(freeze);
        Object.freeze(o);
      }
      return o;
    };
    let state = freeze(initialMonitorState()) as VehicleRuleState;
    let tick = START + MIN;
    for (const p of positions) {
      for (; tick <= p.receivedAt.getTime(); tick += MIN) state = freeze(evaluateClock(state, new Date(tick), ctx).state) as VehicleRuleState;
      state = freeze(evaluatePosition(state, p, ctx, []).state) as VehicleRuleState;
    }
    expect(JSON.stringify(state)).toBe(JSON.stringify(replay(positions, initialMonitorState()).states.at(-1)));
  });

  it('should give identical output for identical input, and after a JSON round trip of the state mid-trip', () => {
    const a = replay(positions, initialMonitorState());
    const b = replay(positions, initialMonitorState());
    expect(JSON.stringify(b.signals)).toBe(JSON.stringify(a.signals));
    expect(JSON.stringify(b.state)).toBe(JSON.stringify(a.state));
    // Cuts inside the detour, inside the stop, and inside the back-filled batch (positions 421-470).
    for (const cut of [185, 310, 440]) {
      // Restart "after a crash" at position `cut` from the stored JSON of the state after position cut - 1.
      const stored = JSON.parse(JSON.stringify(a.states[cut - 1])) as VehicleRuleState;
      const head = replay(positions.slice(0, cut), initialMonitorState());
      const before = head.signals.length - countTailClock(head.signals, positions[cut - 1]!);
      const resumed = replay(positions, stored, cut, firstTickAfter(positions[cut - 1]!.receivedAt.getTime()));
      expect(JSON.stringify([...head.signals.slice(0, before), ...resumed.signals])).toBe(JSON.stringify(a.signals));
      expect(JSON.stringify(resumed.state)).toBe(JSON.stringify(a.state));
    }
  });
});

// Ticks are on whole minutes after START; the first one after t.
const firstTickAfter = (t: number) => START + (Math.floor((t - START) / MIN) + 1) * MIN;
// Signals from the 10-minute clock tail that replay() adds after the last position.
const countTailClock = (signals: AlarmSignal[], lastPos: MonitorPosition) => signals.filter((s) => s.at.getTime() > lastPos.receivedAt.getTime()).length;
