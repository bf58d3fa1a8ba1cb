import type { DriverSignIn } from '../../tracking/positions/position.js';
import { lines, MIN, noTrip, T0, tripContext } from './fixtures/monitor-test-kit.js';
import { matchCrew } from './crew.rules.js';
import { evaluateDriverIdentity, initialMonitorState } from './monitor-engine.js';
import type { AlarmSignal, CrewMember, TripContext, VehicleRuleState } from './monitoring.types.js';

const driver: CrewMember = { role: 'driver', personId: 'p-driver', name: '王师傅', qualificationCertNumber: '150203198001011234', idNumber: '150203198001011234' };
const escort: CrewMember = { role: 'escort', personId: 'p-escort', name: '李押运', qualificationCertNumber: 'YY-15-000123', idNumber: '15020319850202002X' };
const ctx = tripContext({ crew: [driver, escort] });

const card = (over: Partial<DriverSignIn> & { min: number }): DriverSignIn => {
  const { min, ...rest } = over;
  return { vehicleId: 'v1', at: new Date(T0 + min * MIN), inserted: true, readOk: true, readResult: 0, name: null, certificateNumber: null, idCardNumber: null, ...rest };
};

// Feeds the sign-ins in order and collects every signal.
function signIns(cards: DriverSignIn[], context: TripContext = ctx): { signals: AlarmSignal[]; state: VehicleRuleState } {
  let state = initialMonitorState();
  const signals: AlarmSignal[] = [];
  for (const c of cards) {
    const r = evaluateDriverIdentity(state, c, context);
    state = r.state;
    signals.push(...r.signals);
  }
  return { signals, state };
}

describe('TR-16 driver identity (crew.rules)', () => {
  it('should match a card by qualification certificate number, else by ID card number, ignoring spaces and case', () => {
    expect(matchCrew({ certificateNumber: ' yy-15-000123 ', idCardNumber: null }, [driver, escort])).toBe(escort);
    expect(matchCrew({ certificateNumber: 'UNKNOWN', idCardNumber: '15020319850202002x' }, [driver, escort])).toBe(escort);
    expect(matchCrew({ certificateNumber: null, idCardNumber: null }, [driver, escort])).toBeNull();
    expect(matchCrew({ certificateNumber: '150203198001011234', idCardNumber: null }, [])).toBeNull();
  });

  it('should say nothing when the waybill driver or escort signs in', () => {
    expect(signIns([card({ min: 1, certificateNumber: driver.qualificationCertNumber }), card({ min: 2, certificateNumber: escort.qualificationCertNumber })]).signals).toEqual([]);
  });

  it('should raise an alarm for a card of someone not on the waybill, once, and close it when the driver signs in', () => {
    const r = signIns([
      card({ min: 1, name: '张三', certificateNumber: '999988887777' }),
      card({ min: 2, name: '张三', certificateNumber: '999988887777' }),
      card({ min: 9, certificateNumber: driver.qualificationCertNumber }),
    ]);
    expect(lines(r.signals)).toEqual(['+01m00s TR-16/driver open alarm', '+09m00s TR-16/driver close alarm']);
    expect(r.signals[0]!.evidence).toMatchObject({ reason: 'not-on-waybill', cardName: '张三', cardCertificate: '9999****7777', crew: [{ role: 'driver', name: '王师傅' }, { role: 'escort', name: '李押运' }] });
    expect(r.signals[0]!.message.zh).toContain('张三');
  });

  it('should raise an alarm for a card that cannot be read', () => {
    const r = signIns([card({ min: 1, readOk: false, readResult: 1 })]);
    expect(lines(r.signals)).toEqual(['+01m00s TR-16/driver open alarm']);
    expect(r.signals[0]!.evidence).toMatchObject({ reason: 'card-unreadable', readResult: 1 });
  });

  it('should raise nothing when a card is removed, and nothing outside a trip in transit', () => {
    expect(signIns([card({ min: 1, inserted: false })]).signals).toEqual([]);
    expect(signIns([card({ min: 1, certificateNumber: '999988887777' })], noTrip()).signals).toEqual([]);
    expect(signIns([card({ min: 1, certificateNumber: '999988887777' })], tripContext({ crew: [driver], waybillStatus: 'issued' })).signals).toEqual([]);
  });

  it('should close an open episode when the waybill on the vehicle changes', () => {
    const first = signIns([card({ min: 1, certificateNumber: '999988887777' })]);
    const next = evaluateDriverIdentity(first.state, card({ min: 30, inserted: false }), tripContext({ waybillId: 'w-next', crew: [driver] }));
    expect(lines(next.signals)).toEqual(['+30m00s TR-16/driver close alarm']);
    expect(next.signals[0]!.evidence).toMatchObject({ reason: 'trip-changed' });
  });
});
