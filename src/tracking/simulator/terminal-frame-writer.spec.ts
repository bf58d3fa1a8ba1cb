import { expectSanePosition } from '../../../test/fixtures/jt808/expect-sane-position.js';
import { decodeJt808 } from '../terminal/jt808/jt808.decoder.js';
import { encodeBatch, encodeLocation, encodeMessage, type Jt808PositionInput } from '../terminal/jt808/jt808.encoder.js';
import { Jt808FrameDecoder } from '../terminal/jt808/jt808.frame-decoder.js';
import { prepareRoute, RouteWalker, type SimulatedFix } from './route-walker.js';
import { SIMULATOR_ROUTES } from './simulator.routes.js';
import { canWriteFast, TerminalFrameWriter } from './terminal-frame-writer.js';

const codecFrame = (phone: string, version: '2013' | '2019', serial: number, messageId: number, body: Buffer) =>
  encodeMessage({ messageId, phone, serial, version, protocolVersion: version === '2019' ? 1 : null, body });

const track = (n: number): SimulatedFix[] => {
  const w = new RouteWalker(prepareRoute(SIMULATOR_ROUTES.demo!), { stepS: 1, startTime: Date.parse('2026-11-29T08:00:00Z'), seed: 3 });
  return Array.from({ length: n }, () => w.next()!);
};

const cases: [string, Jt808PositionInput][] = [
  ['a simulated fix', track(1)[0]!],
  ['no extras', { latitude: 40.1, longitude: 110.2, time: new Date('2026-01-01T00:00:00Z') }],
  ['south-west, negative altitude, alarm and status bits', { latitude: -33.8688, longitude: -70.6693, altitude: -20, alarm: 0xffffffff, status: 0x000c0003, speedKmh: 123.4, direction: 359, time: new Date('2099-12-31T15:59:59Z') }],
  ['bytes that need escaping', { latitude: 0.000126, longitude: 0.000125, speedKmh: 12.6, direction: 126, status: 0x7e7d, time: new Date('2026-07-17T12:07:07Z'), extras: { mileageKm: 3250.9, satellites: 0x7e } }],
  ['an undefined extra', { latitude: 40, longitude: 110, time: new Date('2030-02-28T16:00:00Z'), extras: { mileageKm: undefined, satellites: 9 } }],
];

describe(TerminalFrameWriter.name, () => {
  describe.each(['2013', '2019'] as const)('with %s headers', (version) => {
    const phone = '013800000001';

    it.each(cases)('should write the same 0x0200 bytes as the codec for %s', (_name, p) => {
      const writer = new TerminalFrameWriter(phone, version);
      for (const serial of [0, 1, 0x7e, 0x7d7e, 0xffff]) {
        expect(writer.location(serial, p as never)).toEqual(codecFrame(phone, version, serial, 0x0200, encodeLocation(p)));
      }
    });

    it('should write the same 0x0704 bytes as the codec', () => {
      const writer = new TerminalFrameWriter(phone, version);
      const fixes = track(26);
      for (const type of [0, 1]) {
        expect(writer.batch(type * 0x7e, type, fixes)).toEqual(codecFrame(phone, version, type * 0x7e, 0x0704, encodeBatch(type, fixes)));
      }
      expect(writer.batch(9, 0, [cases[2]![1] as never, cases[3]![1] as never])).toEqual(codecFrame(phone, version, 9, 0x0704, encodeBatch(0, [cases[2]![1], cases[3]![1]])));
    });

    it('should produce frames the decoder reads back as sane positions', () => {
      const writer = new TerminalFrameWriter(phone, version);
      const fixes = track(30);
      const wire = Buffer.concat(fixes.map((f, i) => writer.location(i, f)));
      const frames = new Jt808FrameDecoder().push(wire);
      expect(frames).toHaveLength(30);
      frames.forEach((frame, i) => {
        const r = decodeJt808(frame);
        if (!r.ok || r.message.kind !== 'location') throw new Error(`not a location: ${JSON.stringify(r)}`);
        expect(r.message.header).toMatchObject({ serial: i, version, phone: phone.padStart(version === '2019' ? 20 : 12, '0') });
        const p = r.message.body;
        expectSanePosition(p, new Date('2026-11-30T00:00:00Z'));
        expect(p.latitude).toBeCloseTo(fixes[i]!.latitude, 6);
        expect(p.longitude).toBeCloseTo(fixes[i]!.longitude, 6);
        expect(p.speedKmh).toBeCloseTo(fixes[i]!.speedKmh, 6);
        expect(p.time).toEqual(new Date(Math.floor(fixes[i]!.time.getTime() / 1000) * 1000));
        expect(p.flags).toMatchObject({ accOn: true, positioned: true });
        expect(p.extras).toEqual({ mileageKm: fixes[i]!.extras.mileageKm, satellites: fixes[i]!.extras.satellites });
      });
    });
  });

  it('should refuse a batch that does not fit one JT/T 808 body', () => {
    expect(() => new TerminalFrameWriter('013800000001').batch(1, 0, track(27))).toThrow(RangeError);
  });

  it('should refuse a time outside 2000-2099 as the codec does', () => {
    const p = { latitude: 40, longitude: 110, time: new Date('1999-12-31T15:59:59Z') };
    expect(() => new TerminalFrameWriter('013800000001').location(1, p)).toThrow(RangeError);
    expect(() => encodeLocation(p)).toThrow(RangeError);
  });

  it('should leave positions with other items to the codec', () => {
    expect(canWriteFast(track(1)[0]!)).toBe(true);
    expect(canWriteFast({ latitude: 1, longitude: 1, time: null, timeBcd: '260101000000' })).toBe(false);
    expect(canWriteFast({ latitude: 1, longitude: 1, time: new Date(), extras: { fuelL: 12 } })).toBe(false);
    expect(canWriteFast({ latitude: 1, longitude: 1, time: new Date(), rawItems: [{ id: 0xe1, hex: '00' }] })).toBe(false);
    expect(canWriteFast({ latitude: 1, longitude: 1, time: new Date(), trailingHex: 'ff' })).toBe(false);
  });
});
