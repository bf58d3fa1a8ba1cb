import { expectSanePosition } from '../../../../test/fixtures/jt808/expect-sane-position.js';
import {
  hex,
  jt808Fixture,
  JT808_FRAMES,
  payloadOf,
  wireOf,
  type Jt808Fixture,
  type Jt808FixtureLocation,
} from '../../../../test/fixtures/jt808/frames.js';
import { JT808_ALARM_BITS, JT808_STATUS_BITS } from './jt808.constants.js';
import { decodeJt808, type Jt808Message, type Jt808Position } from './jt808.decoder.js';
import { encodePayload } from './jt808.encoder.js';
import { Jt808FrameDecoder } from './jt808.frame-decoder.js';

// --- corpus bookkeeping --------------------------------------------------------------------------------------

// Frames the source suites accept but that break the standard's integrity checks. traccar checks neither the
// XOR code nor the body length; we reject them by default and decode them only with { lenient: true }.
const KNOWN_CORRUPT: Record<string, { error: 'BAD_CHECKSUM' | 'BAD_LENGTH'; why: string }> = {
  'traccar-L138': { error: 'BAD_LENGTH', why: 'vendor 0x5501 with a 1-byte serial: header is one byte short' },
  'traccar-L142': { error: 'BAD_CHECKSUM', why: 'vendor 0x5501, 1-byte serial and a wrong check code' },
  'traccar-L145': { error: 'BAD_LENGTH', why: 'vendor 0x5502 with a 1-byte serial' },
  'traccar-L183': { error: 'BAD_LENGTH', why: 'vendor 0x5501 with a 1-byte serial' },
  'traccar-L259': { error: 'BAD_LENGTH', why: 'vendor 0x5501 with a 1-byte serial' },
  'traccar-L271': { error: 'BAD_LENGTH', why: 'vendor 0x5502 with a 1-byte serial' },
  'traccar-L274': { error: 'BAD_LENGTH', why: 'vendor 0x5501 with a 1-byte serial' },
  'traccar-L328': { error: 'BAD_CHECKSUM', why: '0x0200 cut short: header says 50 body bytes, 40 present, check code off' },
  'traccar-L409': { error: 'BAD_CHECKSUM', why: '0x0200 whose check code is off by one (0x9b vs 0x9a)' },
  'traccar-L415': { error: 'BAD_CHECKSUM', why: '0x0200 with a wrong check code' },
  'traccar-L425': { error: 'BAD_LENGTH', why: '0x0900 declaring 122 body bytes, 107 present' },
  'smallchi-0704-Test4': { error: 'BAD_CHECKSUM', why: '0x0704 edited by hand: check code and length (473 vs 469) off' },
};

const isError = (f: Jt808Fixture) => f.asserted.kind === 'error';
const isFramingOnly = (f: Jt808Fixture) => f.asserted.kind === 'frame-decoder-output';
const MESSAGE_FRAMES = JT808_FRAMES.filter((f) => !isError(f) && !isFramingOnly(f));
const ERROR_FRAMES = JT808_FRAMES.filter(isError);

function decodeFixture(f: Jt808Fixture): Jt808Message {
  const r = decodeJt808(payloadOf(f), { lenient: f.id in KNOWN_CORRUPT });
  if (!r.ok) throw new Error(`${f.id}: ${r.error} ${r.detail}`);
  return r.message;
}

const positionsOf = (m: Jt808Message): Jt808Position[] =>
  m.kind === 'location' ? [m.body] : m.kind === 'batchLocation' ? m.body.positions : [];

// SmallChi strips leading zeros from phone numbers; we keep the BCD digits as sent (replies must echo them).
const phoneDigits = (phone: string) => phone.replace(/^0+/, '');
const beijing = (s: string) => new Date(s.replace(' ', 'T') + '+08:00');
const iso8 = (d: Date | null) => (d ? new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 19) + '+08:00' : null);

function expectMessage<K extends Jt808Message['kind']>(m: Jt808Message, kind: K): Extract<Jt808Message, { kind: K }> {
  expect(m.kind).toBe(kind);
  return m as Extract<Jt808Message, { kind: K }>;
}

describe('decodeJt808', () => {
  describe('frames.json corpus', () => {
    it('should hold the 168 frames described in data/README.md', () => {
      expect(JT808_FRAMES).toHaveLength(168);
      expect(MESSAGE_FRAMES).toHaveLength(158);
      expect(ERROR_FRAMES).toHaveLength(7);
    });

    it.each(MESSAGE_FRAMES.map((f) => [f.id, f] as const))('should decode %s (strict, or lenient for known-corrupt frames)', (id, f) => {
      const strict = decodeJt808(payloadOf(f));
      const corrupt = KNOWN_CORRUPT[id];
      if (corrupt) {
        expect(strict).toMatchObject({ ok: false, error: corrupt.error });
        const lenient = decodeJt808(payloadOf(f), { lenient: true });
        expect(lenient.ok).toBe(true);
        if (lenient.ok) expect(lenient.message.warnings.length).toBeGreaterThan(0);
      } else {
        expect(strict.ok ? 'ok' : `${strict.error}: ${strict.detail}`).toBe('ok');
      }
    });

    it('should decode 146 of the 158 message frames strictly and all 158 leniently', () => {
      const strictOk = MESSAGE_FRAMES.filter((f) => decodeJt808(payloadOf(f)).ok);
      const lenientOk = MESSAGE_FRAMES.filter((f) => decodeJt808(payloadOf(f), { lenient: true }).ok);
      expect(strictOk).toHaveLength(146);
      expect(lenientOk).toHaveLength(158);
    });

    it.each(ERROR_FRAMES.map((f) => [f.id, f] as const))('should reject %s without throwing', (_id, f) => {
      // Over the wire: either no frame comes out (no closing 7e) or the frame is rejected.
      const frames = new Jt808FrameDecoder().push(wireOf(f));
      for (const frame of frames) expect(decodeJt808(frame).ok).toBe(false);
      // Cut directly from the fixture, with or without its delimiters.
      expect(decodeJt808(payloadOf(f))).toMatchObject({ ok: false });
    });

    it('should give the expected error codes for the error frames', () => {
      const codes = Object.fromEntries(ERROR_FRAMES.map((f) => [f.id, (decodeJt808(payloadOf(f)) as { error?: string }).error]));
      expect(codes).toEqual({
        'go-jt808-neg-incomplete': 'TOO_SHORT', // no closing 7e: the stream decoder waits, the cut payload is short
        'go-jt808-neg-too-short': 'TOO_SHORT',
        'go-jt808-neg-bad-checksum': 'BAD_CHECKSUM',
        'go-jt808-neg-body-len': 'BAD_LENGTH',
        'go-jt808-neg-short-header': 'TOO_SHORT',
        'go-jt808-neg-short-subpkg-header': 'TOO_SHORT',
        'fakeyanss-case1': 'BAD_CHECKSUM', // check code sent (escaped) as 0x7e, computed 0x7d
      });
    });

    it('should keep the header of a frame rejected for its check code, so the platform can answer 0x8001 result 2', () => {
      const r = decodeJt808(payloadOf(jt808Fixture('fakeyanss-case1')));
      expect(r).toMatchObject({ ok: false, error: 'BAD_CHECKSUM', header: { messageId: 0x0200, phone: '223456789015', serial: 0 } });
    });

    it.each(MESSAGE_FRAMES.map((f) => [f.id, f] as const))('should match the reference decode of %s', (_id, f) => {
      const rd = f.reference_decode;
      const m = decodeFixture(f);
      expect({
        msgId: `0x${m.header.messageId.toString(16).padStart(4, '0')}`,
        phoneBcd: m.header.phone,
        serial: m.header.serial,
        version: m.header.version === '2019' ? '2019' : '2011/2013',
        protocolVersion: m.header.protocolVersion,
        bodyLen: m.header.bodyLength,
        subpackage: m.header.packet !== null,
        encryptBits: m.header.encryption,
      }).toEqual({
        msgId: rd.msgId,
        phoneBcd: rd.phoneBcd,
        serial: rd.serial,
        version: rd.version,
        protocolVersion: rd.protocolVersion ?? null,
        bodyLen: rd.bodyLen,
        subpackage: rd.subpackage,
        encryptBits: rd.encryptBits,
      });
      const expected: Jt808FixtureLocation[] = rd.location ? [rd.location] : (rd.batch?.locations ?? []);
      const positions = positionsOf(m);
      if (rd.batch && m.kind === 'batchLocation') {
        expect({ count: m.body.count, type: m.body.batchType }).toEqual({ count: rd.batch.count, type: rd.batch.type });
      }
      // smallchi-0704-Test4: the reference decodes the garbled second item; we keep it raw (see below).
      expect(positions).toHaveLength(f.id === 'smallchi-0704-Test4' ? 1 : expected.length);
      positions.forEach((p, i) => expectLikeReference(p, expected[i]));
    });

    it.each(
      MESSAGE_FRAMES.flatMap((f) => positionsOf(decodeFixture(f)).map((p, i) => [`${f.id}#${i}`, p] as const)),
    )('should flag position %s exactly when it is not sane', (_id, p) => {
      const insane = p.issues.filter((i) => i !== 'ADDITIONAL_ITEMS_TRUNCATED');
      if (insane.length === 0) expectSanePosition(p);
      else expect(() => expectSanePosition(p)).toThrow();
    });

    it('should decode but flag the synthetic positions beyond 90° latitude (valid frames, invalid positions)', () => {
      const flagged = MESSAGE_FRAMES.filter((f) => positionsOf(decodeFixture(f)).some((p) => p.issues.length > 0)).map((f) => f.id);
      expect(flagged).toEqual([
        'traccar-L252', // vendor bytes after the standard items: ADDITIONAL_ITEMS_TRUNCATED, position itself sane
        'yezhihao-L13',
        'yezhihao-L14',
        'yezhihao-L23',
        'yezhihao-L24',
        'go-jt808-0200',
        'go-jt808-0704',
      ]);
      const p = expectMessage(decodeFixture(jt808Fixture('go-jt808-0200')), 'location').body;
      expect(p.latitude).toBe(119.552894);
      expect(p.issues).toEqual(['LATITUDE_OUT_OF_RANGE']);
    });
  });

  describe('values asserted by the source test suites', () => {
    // One entry per frames.json frame whose asserted.kind is 'fields' (checked for completeness below).
    const ASSERTED: Record<string, (m: Jt808Message, f: Jt808Fixture) => void> = {
      'smallchi-0200-Test5': (m) => {
        const loc = expectMessage(m, 'location');
        expect(loc.header).toMatchObject({ messageId: 0x0200, bodyLength: 38, serial: 8888, phone: '112233445566', packet: null, encryption: 0 });
        expect(loc.body).toMatchObject({
          alarm: 1,
          alarms: ['emergency'],
          status: 2,
          latitude: 12.222222,
          longitude: 132.444444,
          altitude: 40,
          speedKmh: 6,
          time: beijing('2018-07-15 10:10:10'),
          extras: { mileageKm: 10, fuelL: 5.5 },
        });
        expect(loc.body.flags.positioned).toBe(true);
      },
      'smallchi-reader-escaped-0200': (m, f) => {
        expect(payloadOf(f)).toEqual(hex((f.asserted.unescapedEquals as string).slice(2, -2)));
        expect(payloadOf(f).at(-1)).toBe(0x13);
        const loc = expectMessage(m, 'location');
        expect(loc.header.serial).toBe(0x7e);
        expect(loc.body.extras.fuelL).toBe(12.5); // 0x007d
      },
      'smallchi-0002-Test2': (m) => {
        expect(expectMessage(m, 'heartbeat')).toMatchObject({ header: { serial: 10 }, body: null });
        expect(phoneDigits(m.header.phone)).toBe('12345678900');
      },
      'smallchi-0002-Test3': (m, f) => {
        expect(expectMessage(m, 'heartbeat')).toMatchObject({ header: { serial: 43 }, body: null });
        expect(phoneDigits(m.header.phone)).toBe('40021679287');
        expect(payloadOf(f).at(-1)).toBe(0x7e); // check code 0x7e, sent as 7d 02
      },
      'smallchi-0001-Test2': (m) => {
        expect(expectMessage(m, 'terminalGeneralReply')).toMatchObject({
          header: { serial: 1203 },
          body: { replyId: 0x0002, replySerial: 1000, result: 0 },
        });
      },
      'smallchi-8001-Test2': (m) => {
        expect(expectMessage(m, 'platformGeneralReply')).toMatchObject({
          header: { serial: 10, phone: '012345678900' },
          body: { replyId: 0x0200, replySerial: 100, result: 0 },
        });
      },
      'smallchi-8100-Test2': (m) => {
        expect(expectMessage(m, 'registerReply')).toMatchObject({ header: { serial: 10 }, body: { replySerial: 100, result: 0, authCode: '123456' } });
      },
      'smallchi-8100-Test4': (m) => {
        expect(expectMessage(m, 'registerReply').body).toEqual({ replySerial: 100, result: 4, authCode: null });
      },
      'smallchi-8100-Test6': (m) => {
        expect(expectMessage(m, 'registerReply').body).toEqual({ replySerial: 100, result: 0, authCode: 'zssdaf23124sfdsc' });
      },
      'smallchi-0100-Test1_1': (m) => {
        const reg = expectMessage(m, 'register');
        expect(phoneDigits(reg.header.phone)).toBe('123456789');
        expect(reg.header.serial).toBe(10);
        expect(reg.body).toEqual({
          layout: '2013',
          provinceId: 40,
          cityId: 50,
          manufacturerId: '1234',
          model: 'smallchi123',
          terminalId: 'CHI123',
          plateColor: 1,
          plate: '粤A12345',
        });
      },
      'smallchi-0100-Test2019_2': (m) => {
        const reg = expectMessage(m, 'register');
        expect(reg.header).toMatchObject({ version: '2019', versionFlag: true, protocolVersion: 1, serial: 10 });
        expect(phoneDigits(reg.header.phone)).toBe('123456789');
        expect(reg.body).toEqual({
          layout: '2019',
          provinceId: 40,
          cityId: 50,
          manufacturerId: '1234',
          model: 'smallchi123',
          terminalId: 'CHI123',
          plateColor: 1,
          plate: '粤A12345',
        });
      },
      'smallchi-0100-Test2019_4_2': (m) => {
        const reg = expectMessage(m, 'register');
        expect(reg.header).toMatchObject({ version: '2019', protocolVersion: 1 });
        expect(phoneDigits(reg.header.phone)).toBe('22222222222');
        expect(reg.body).toMatchObject({ provinceId: 0, cityId: 0, plateColor: 2, plate: '粤A12346' });
        // SmallChi left-pads these fields with ASCII '0' and trims them; we keep the field as sent.
        expect(reg.body.manufacturerId).toBe('000Koike002');
        for (const field of [reg.body.manufacturerId, reg.body.model, reg.body.terminalId]) expect(field.replace(/^0+/, '')).toBe('Koike002');
      },
      'smallchi-0102-Test4': (m) => {
        const auth = expectMessage(m, 'auth');
        expect(auth.header.serial).toBe(12345);
        expect(phoneDigits(auth.header.phone)).toBe('12345678900');
        expect(auth.body).toEqual({ authCode: '456121111', imei: null, softwareVersion: null });
      },
      'smallchi-0704-Test2': (m) => {
        const batch = expectMessage(m, 'batchLocation');
        expect(batch.header).toMatchObject({ serial: 8888, phone: '112233445566' });
        expect(batch.body).toMatchObject({ count: 2, batchType: 0, malformed: [] });
        expect(batch.body.positions).toMatchObject([
          { alarm: 1, status: 2, latitude: 12.222222, longitude: 132.444444, speedKmh: 6, direction: 0, time: beijing('2018-07-15 10:10:10'), extras: { mileageKm: 10, fuelL: 5.5 } },
          { alarm: 2, status: 1, latitude: 13.333333, longitude: 132.555555, speedKmh: 5.4, direction: 120, time: beijing('2018-07-15 10:10:30'), extras: { mileageKm: 9.6, fuelL: 6.6 } },
        ]);
      },
      'smallchi-0704-Test4': (m) => {
        // SmallChi asserts a single "ErrorRemainPositions": the second item does not parse and is kept raw.
        const batch = expectMessage(m, 'batchLocation');
        expect(batch.warnings).toEqual(['CHECKSUM_MISMATCH', 'BODY_LENGTH_MISMATCH']);
        expect(batch.body.positions).toHaveLength(1);
        expect(batch.body.malformed).toEqual([{ index: 1, reason: 'TRUNCATED', hex: expect.stringMatching(/^00e9/) }]);
      },
      'go-jt808-0001': (m) => {
        expect(expectMessage(m, 'terminalGeneralReply').body).toEqual({ replySerial: 123, replyId: 456, result: 3 });
      },
      'go-jt808-8001': (m) => {
        expect(expectMessage(m, 'platformGeneralReply').body).toEqual({ replySerial: 32767, replyId: 2, result: 0 });
      },
      'go-jt808-8100': (m) => {
        expect(expectMessage(m, 'registerReply').body).toEqual({ replySerial: 0, result: 0, authCode: '12345678901' });
      },
      'go-jt808-0002': (m) => {
        expect(expectMessage(m, 'heartbeat').body).toBeNull();
        expect(m.header.bodyLength).toBe(0);
      },
      'go-jt808-0102-2013': (m) => {
        expect(expectMessage(m, 'auth')).toMatchObject({ header: { version: '2013' }, body: { authCode: '17299841738', imei: null } });
      },
      'go-jt808-0102-2019': (m) => {
        expect(expectMessage(m, 'auth')).toMatchObject({
          header: { version: '2019' },
          body: { authCode: '17299841738', imei: '123456789012345', softwareVersion: '3.7.15' },
        });
      },
      'go-jt808-0100-2011': (m) => {
        expect(expectMessage(m, 'register').body).toEqual({
          layout: '2011',
          provinceId: 31,
          cityId: 115,
          manufacturerId: 'cd',
          model: 'www.808.',
          terminalId: '7654321',
          plateColor: 1,
          plate: '测A1234',
        });
      },
      'go-jt808-0100-2013': (m) => {
        expect(expectMessage(m, 'register').body).toEqual({
          layout: '2013',
          provinceId: 31,
          cityId: 115,
          manufacturerId: 'cd',
          model: 'www.808.com',
          terminalId: '7654321',
          plateColor: 1,
          plate: '测A1234',
        });
      },
      'go-jt808-0100-2019': (m) => {
        expect(expectMessage(m, 'register')).toMatchObject({
          header: { version: '2019' },
          body: { layout: '2019', provinceId: 31, cityId: 115, manufacturerId: 'cd', model: 'www.808.com', terminalId: '7654321', plateColor: 1, plate: '测A1234' },
        });
      },
      'go-jt808-0200': (m) => {
        expect(expectMessage(m, 'location').body).toMatchObject({
          alarm: 1024,
          alarms: ['ttsFault'],
          status: 2048,
          latitude: 119.552894, // raw 119552894: synthetic, beyond the pole
          longitude: 40.058359,
          altitude: 312,
          speedKmh: 0.3,
          direction: 99,
          time: beijing('2024-10-01 23:59:59'),
        });
        expect((m.body as Jt808Position).flags.electricCircuitCut).toBe(true);
      },
      'go-jt808-0704': (m) => {
        const batch = expectMessage(m, 'batchLocation');
        const single = expectMessage(decodeFixture(jt808Fixture('go-jt808-0200')), 'location').body;
        expect(batch.body).toMatchObject({ count: 2, batchType: 0, malformed: [] });
        expect(batch.body.positions).toEqual([single, single]);
      },
      'fakeyanss-case2': (m, f) => {
        const loc = expectMessage(m, 'location');
        expect(loc.header).toMatchObject({ bodyLength: 28, encryption: 0, packet: null, versionFlag: false, version: '2013', phone: '223456789015', serial: 0 });
        expect(payloadOf(f).subarray(12, 40).toString('hex')).toBe((f.asserted.body as string).toLowerCase());
        // Not matched: its asserted verifyCode 126 is the closing 7e; the check code on the wire is 0xfb (and is correct).
        expect(payloadOf(f).at(-1)).toBe(0xfb);
      },
    };

    it('should have an expectation for every frame with asserted fields', () => {
      const fieldFrames = JT808_FRAMES.filter((f) => f.asserted.kind === 'fields').map((f) => f.id);
      expect(Object.keys(ASSERTED).sort()).toEqual(fieldFrames.sort());
    });

    it.each(Object.keys(ASSERTED))('should decode %s to the asserted values', (id) => {
      const f = jt808Fixture(id);
      ASSERTED[id](decodeFixture(f), f);
    });

    it('should decode the values of the yezhihao round-trip beans, every standard additional item included', () => {
      const loc = expectMessage(decodeFixture(jt808Fixture('yezhihao-L13')), 'location');
      expect(loc.body).toMatchObject({ alarm: 1024, status: 2048, altitude: 312, speedKmh: 0.3, direction: 99, time: beijing('2020-07-07 19:23:59') });
      expect(loc.body.extras).toEqual({
        mileageKm: 1.1,
        fuelL: 2.2,
        recorderSpeedKmh: 3.3,
        alarmEventId: 44,
        tirePressure: [0x37, 0x37, 0x37, ...Array(27).fill(0)],
        overspeed: { locationType: 0x42, areaId: 0x42 },
        areaRoute: { locationType: 0x4d, areaId: 0x4d, direction: 0x4d },
        routeDriveTime: { routeId: 0x58, seconds: 0x58, result: 0x58 },
        vehicleSignals: { word: 0x63, set: ['lowBeam', 'highBeam', 'reverse', 'fogLamp'] },
        ioStatus: { word: 0x0a, set: ['sleep'] },
        analog: { ad0: 20, ad1: 0 },
        signalStrength: 30,
        satellites: 40,
      });
      expect(loc.body.rawItems).toEqual([]);
      const batch = expectMessage(decodeFixture(jt808Fixture('yezhihao-L23')), 'batchLocation');
      expect(batch.body).toMatchObject({ count: 3, batchType: 1 });
      expect(expectMessage(decodeFixture(jt808Fixture('yezhihao-L39')), 'registerReply').body).toEqual({
        replySerial: 38668,
        result: 0,
        authCode: 'chwD0SE1fchwD0SE1fchwD0SE1f',
      });
      expect(expectMessage(decodeFixture(jt808Fixture('yezhihao-L6')), 'auth').body).toEqual({
        authCode: 'pmYGzGukO8K4Z5lpIOTg8dqb3eprYaHBbXSPLtdbyG8=',
        imei: '123456789012345',
        softwareVersion: '3.7.15',
      });
      expect(expectMessage(decodeFixture(jt808Fixture('yezhihao-L4')), 'register').body).toMatchObject({
        manufacturerId: 'yzh',
        model: 'www.jtt808.cn',
        terminalId: '09876543210987654321',
        plate: '测A888888',
      });
    });

    it('should decode the ybzwyrcld example client as its source describes (GMT+8 clock with a YY bug)', () => {
      const loc = expectMessage(decodeFixture(jt808Fixture('ybz-observed-0200')), 'location').body;
      expect(loc).toMatchObject({ latitude: 22.570336, longitude: 113.937577, altitude: 54, speedKmh: 60, direction: 0, extras: { satellites: 11 } });
      expect(loc.flags.positioned).toBe(true);
      expect(loc.rawItems).toEqual([
        { id: 0xe0, hex: '03' }, // 2013: length of the custom items that follow
        { id: 0xee, hex: '02' },
      ]);
      expect(loc.time).toEqual(beijing('2020-11-29 01:59:18')); // "20" is the client's (year+1900)/100 bug
      expect(expectMessage(decodeFixture(jt808Fixture('ybz-observed-0102')), 'auth').body.authCode).toBe('AUTH123');
      expect(expectMessage(decodeFixture(jt808Fixture('ybz-observed-0100')), 'register').body).toMatchObject({ layout: '2013', manufacturerId: 'SKOEM' });
    });

    describe('traccar captures', () => {
      const ATTRIBUTE_FRAMES = JT808_FRAMES.filter((f) => f.asserted.kind === 'attribute');

      it('should give the satellites, driver certificate and GMT+8 times traccar asserts', () => {
        for (const id of ['traccar-L14', 'traccar-L33']) {
          expect(expectMessage(decodeFixture(jt808Fixture(id)), 'batchLocation').body.positions[0].extras.satellites).toBe(14);
        }
        expect(expectMessage(decodeFixture(jt808Fixture('traccar-L41')), 'driverIdentity').body).toEqual({
          layout: '2013',
          status: 1,
          time: beijing('2025-10-09 15:07:51'),
          icReadResult: 0,
          name: '',
          certificateNumber: '0029b885', // traccar "cardCode"
          issuingAuthority: '',
          expiry: null,
          idCardNumber: null,
        });
        // traccar-L61 asserts timezone UTC+08:00: our times are the BCD clock read as Beijing time.
        const batch = expectMessage(decodeFixture(jt808Fixture('traccar-L61')), 'batchLocation').body;
        expect(iso8(batch.positions[0].time)).toBe('2025-11-12T15:45:45+08:00');
      });

      // Most traccar attributes come from vendor additional items or vendor messages that this decoder keeps raw
      // (batteryLevel, power, temperatures, lock states, ...). Where the value is text or hex, check it survives
      // in the raw bytes so a vendor extension can be added later without new captures.
      const RAW_EVIDENCE = [
        ...['traccar-L81', 'traccar-L89', 'traccar-L104', 'traccar-L130', 'traccar-L148', 'traccar-L163'],
        ...['traccar-L179', 'traccar-L364', 'traccar-L372', 'traccar-L409', 'traccar-L421', 'traccar-L425'],
      ];

      it.each(RAW_EVIDENCE)('should keep the bytes behind the vendor attribute of %s', (id) => {
        const f = jt808Fixture(id);
        const m = decodeFixture(f);
        const haystack = [...positionsOf(m).flatMap((p) => p.rawItems.map((r) => r.hex)), Buffer.isBuffer(m.body) ? m.body.toString('hex') : ''].join('|');
        const value = f.asserted.value as string;
        expect([Buffer.from(value, 'latin1').toString('hex'), value.toLowerCase()].some((needle) => haystack.includes(needle))).toBe(true);
      });

      it('should decode every traccar attribute frame to a message (the vendor attribute itself is not interpreted)', () => {
        const kinds = ATTRIBUTE_FRAMES.map((f) => decodeFixture(f).kind);
        expect(kinds.filter((k) => k === 'location' || k === 'batchLocation')).toHaveLength(55);
        expect(kinds.filter((k) => k === 'unknown' || k === 'encrypted')).toHaveLength(13);
        expect(kinds.filter((k) => k === 'driverIdentity')).toHaveLength(1);
      });

      it('should keep vendor messages traccar turns into positions (0x0900, 0x0210, 0x2070, 0x5501/0x5502) raw', () => {
        const vendor = MESSAGE_FRAMES.filter((f) => /sanity|non-null|non-empty/.test(f.asserted.kind)).filter((f) => positionsOf(decodeFixture(f)).length === 0);
        expect(vendor.map((f) => f.reference_decode.msgId).sort()).toEqual(['0x0210', '0x0900', '0x0900', '0x2070', '0x5501', '0x5501', '0x5502', '0x5502']);
        for (const f of vendor) expect(['unknown', 'encrypted']).toContain(decodeFixture(f).kind);
      });

      it.each(JT808_FRAMES.filter((f) => f.asserted.kind === 'decodes-to-null').map((f) => [f.id, f] as const))(
        'should decode %s (no position in it) to its message kind',
        (_id, f) => {
          const expected: Record<string, string> = { '0x0100': 'register', '0x0102': 'auth', '0x0002': 'heartbeat', '0x1007': 'unknown' };
          expect(decodeFixture(f).kind).toBe(expected[f.reference_decode.msgId as string]);
        },
      );
    });

    describe('go-jt808 edge cases that must decode', () => {
      it('should return a subpackaged body as a fragment with its packet fields', () => {
        const m = expectMessage(decodeFixture(jt808Fixture('go-jt808-neg-ok-subpackage')), 'fragment');
        expect(m.header.packet).toEqual({ total: 0x1a, index: 2 });
        expect(m.body).toEqual(hex('2808000102'));
      });

      it('should return an RSA-flagged body as sent', () => {
        const m = expectMessage(decodeFixture(jt808Fixture('go-jt808-neg-rsa-flag')), 'encrypted');
        expect(m.header.encryption).toBe(1);
        expect(m.body).toHaveLength(5);
      });

      it('should decode a heartbeat whose 7d check code was not escaped', () => {
        const [frame] = new Jt808FrameDecoder().push(wireOf(jt808Fixture('go-jt808-neg-lenient')));
        expect(decodeJt808(frame)).toMatchObject({ ok: true, message: { kind: 'heartbeat', header: { phone: '000000000679' } } });
      });
    });
  });

  describe('header versions', () => {
    const realDevice = jt808Fixture('smallchi-0200-Test5_4-2019'); // bit 14 set on a 2013 header

    it('should fall back to the 2013 layout when bit 14 is set but only 2013 fits, and say so', () => {
      const r = decodeJt808(payloadOf(realDevice));
      expect(r).toMatchObject({
        ok: true,
        message: { kind: 'location', warnings: ['VERSION_FLAG_ON_2013_HEADER'], header: { version: '2013', versionFlag: true, phone: '010030000681' } },
      });
    });

    it('should obey versionOverride', () => {
      expect(decodeJt808(payloadOf(realDevice), { versionOverride: '2013' })).toMatchObject({ ok: true, message: { warnings: [] } });
      expect(decodeJt808(payloadOf(realDevice), { versionOverride: '2019' })).toMatchObject({ ok: false, error: 'BAD_LENGTH' });
      const v2019 = payloadOf(jt808Fixture('go-jt808-0102-2019'));
      expect(decodeJt808(v2019, { versionOverride: '2013' })).toMatchObject({ ok: false, error: 'BAD_LENGTH' });
    });

    it('should read the 2019 protocol version and 20-digit phone', () => {
      const m = decodeFixture(jt808Fixture('traccar-L33'));
      expect(m.header).toMatchObject({ version: '2019', versionFlag: true, protocolVersion: 1, phone: '00000866496077582164', serial: 34845 });
    });
  });

  describe('errors on constructed frames', () => {
    const location = payloadOf(jt808Fixture('smallchi-0200-Test5'));

    it('should reject anything shorter than a header without throwing', () => {
      for (let n = 0; n < 13; n++) expect(decodeJt808(location.subarray(0, n))).toMatchObject({ ok: false, error: 'TOO_SHORT' });
    });

    it('should reject a flipped bit with BAD_CHECKSUM', () => {
      const bad = Buffer.from(location);
      bad[20] ^= 0x01;
      expect(decodeJt808(bad)).toMatchObject({ ok: false, error: 'BAD_CHECKSUM', header: { messageId: 0x0200 } });
    });

    it('should reject a body shorter or longer than the header says with BAD_LENGTH', () => {
      const withCheck = (unsigned: Buffer) => Buffer.concat([unsigned, Buffer.from([unsigned.reduce((x, b) => x ^ b, 0)])]);
      const unsigned = encodePayload({ messageId: 0x0200, phone: '13800138000', serial: 1, body: Buffer.alloc(28) }).subarray(0, -1);
      expect(decodeJt808(withCheck(unsigned))).toMatchObject({ ok: true });
      expect(decodeJt808(withCheck(Buffer.concat([unsigned, Buffer.from([0])])))).toMatchObject({ ok: false, error: 'BAD_LENGTH' });
      expect(decodeJt808(withCheck(unsigned.subarray(0, -1)))).toMatchObject({ ok: false, error: 'BAD_LENGTH' });
    });

    it('should reject a body too short for its message layout with TRUNCATED_BODY', () => {
      const cases: [number, number][] = [
        [0x0200, 27],
        [0x0001, 4],
        [0x8001, 3],
        [0x8100, 2],
        [0x0100, 24],
        [0x0704, 2],
      ];
      for (const [messageId, length] of cases) {
        const r = decodeJt808(encodePayload({ messageId, phone: '13800138000', serial: 1, body: Buffer.alloc(length) }));
        expect({ messageId, r }).toMatchObject({ messageId, r: { ok: false, error: 'TRUNCATED_BODY', header: { messageId } } });
      }
      const auth2019 = encodePayload({ messageId: 0x0102, phone: '13800138000', serial: 1, version: '2019', body: Buffer.from([11, 0x31]) });
      expect(decodeJt808(auth2019)).toMatchObject({ ok: false, error: 'TRUNCATED_BODY' });
    });

    it('should keep an unknown message id as raw bytes', () => {
      const r = decodeJt808(encodePayload({ messageId: 0x0900, phone: '13800138000', serial: 7, body: hex('f0 0102') }));
      expect(r).toMatchObject({ ok: true, message: { kind: 'unknown', header: { messageId: 0x0900, serial: 7 }, body: hex('f00102') } });
    });

    it('should flag an invalid BCD clock instead of inventing a date', () => {
      const body = Buffer.from(payloadOf(jt808Fixture('smallchi-0200-Test5')).subarray(12, -1));
      body.write('251332250000', 22, 'hex'); // month 13
      const m = decodeJt808(encodePayload({ messageId: 0x0200, phone: '1', serial: 1, body }));
      expect(m).toMatchObject({ ok: true, message: { body: { time: null, timeBcd: '251332250000', issues: ['TIME_INVALID'] } } });
    });

    // The clock is checked against the month's length (a leap February has 29 days), not rolled over by Date.UTC.
    it.each([
      ['240229120000', '2024-02-29T04:00:00.000Z'],
      ['000229000000', '2000-02-28T16:00:00.000Z'],
      ['230229120000', null],
      ['250431120000', null],
      ['250430235959', '2025-04-30T15:59:59.000Z'],
      ['251231235959', '2025-12-31T15:59:59.000Z'],
      ['250100120000', null],
    ])('should read the BCD clock %s as %s', (bcd, iso) => {
      const body = Buffer.from(payloadOf(jt808Fixture('smallchi-0200-Test5')).subarray(12, -1));
      body.write(bcd, 22, 'hex');
      const r = decodeJt808(encodePayload({ messageId: 0x0200, phone: '1', serial: 1, body }));
      if (!r.ok) throw new Error(r.error);
      const p = expectMessage(r.message, 'location').body;
      expect([p.time?.toISOString() ?? null, p.timeBcd]).toEqual([iso, bcd]);
      expect(p.issues.includes('TIME_INVALID')).toBe(iso === null);
    });
  });

  describe('location details', () => {
    it('should sign coordinates from the south/west status bits', () => {
      const p = expectMessage(decodeFixture(jt808Fixture('traccar-L37')), 'location').body;
      expect(p.flags).toMatchObject({ southLatitude: true, westLongitude: true });
      expect([p.latitude, p.longitude]).toEqual([-25.269608, -57.602956]);
    });

    it('should name the status bits, the 2-bit load state and the GNSS systems', () => {
      const p = expectMessage(decodeFixture(jt808Fixture('traccar-L14')), 'batchLocation').body.positions[0];
      expect(p.status).toBe(0x00080003);
      expect(p.flags).toMatchObject({ accOn: true, positioned: true, beidou: true, gps: false, load: 'empty', outOfService: false });
      expect(p.alarms).toEqual(['mainPowerOff', 'dailyDrivingTimeout']);
    });

    it('should keep items after a truncated one as trailing bytes', () => {
      const p = expectMessage(decodeFixture(jt808Fixture('traccar-L252')), 'location').body;
      expect(p.issues).toEqual(['ADDITIONAL_ITEMS_TRUNCATED']);
      expect(p.trailingHex).toBe('00780000000018000000');
    });
  });

  describe('bit tables', () => {
    it('should name all 32 alarm bits once, in Chinese and English', () => {
      expect(JT808_ALARM_BITS.map((d) => d.bit)).toEqual(Array.from({ length: 32 }, (_, i) => i));
      expect(new Set(JT808_ALARM_BITS.map((d) => d.key)).size).toBe(32);
      for (const d of JT808_ALARM_BITS) expect(d.zh.length * d.en.length).toBeGreaterThan(0);
      expect(JT808_ALARM_BITS.slice(0, 12).map((d) => d.key)).toEqual([
        'emergency',
        'overspeed',
        'fatigueDriving',
        'dangerWarning',
        'gnssModuleFault',
        'gnssAntennaDisconnected',
        'gnssAntennaShort',
        'mainPowerUndervoltage',
        'mainPowerOff',
        'lcdFault',
        'ttsFault',
        'cameraFault',
      ]);
    });

    it('should not overlap the load bits (8-9) with named status bits', () => {
      expect((JT808_STATUS_BITS as readonly { bit: number }[]).map((d) => d.bit).filter((b) => b === 8 || b === 9)).toEqual([]);
    });
  });
});

function expectLikeReference(p: Jt808Position, l: Jt808FixtureLocation): void {
  expect({
    alarm: p.alarm,
    status: p.status,
    lat: p.latitude,
    lon: p.longitude,
    altitude: p.altitude,
    speedKmh: p.speedKmh,
    direction: p.direction,
    time: iso8(p.time),
    acc: p.flags.accOn,
    fixed: p.flags.positioned,
  }).toEqual({
    alarm: l.alarm,
    status: l.status,
    lat: l.lat,
    lon: l.lon,
    altitude: l.altitude,
    speedKmh: l.speedKmh,
    direction: l.direction,
    time: l.time,
    acc: l.acc,
    fixed: l.fixed,
  });
  if (l.itemsTrailing !== undefined) {
    // The reference keys items in a dict and reads past the body; only check that we noticed.
    expect(p.trailingHex).not.toBeNull();
    return;
  }
  const typed: Record<string, [keyof Jt808Position['extras'], string]> = {
    '0x01': ['mileageKm', 'mileageKm'],
    '0x02': ['fuelL', 'fuelL'],
    '0x03': ['recorderSpeedKmh', 'recorderSpeedKmh'],
    '0x30': ['signalStrength', 'rssi'],
    '0x31': ['satellites', 'satellites'],
  };
  const raw = new Map(p.rawItems.map((r) => [`0x${r.id.toString(16).padStart(2, '0')}`, r.hex]));
  for (const [id, value] of Object.entries(l.items)) {
    if (typed[id]) {
      const [ours, theirs] = typed[id];
      expect({ id, value: p.extras[ours] }).toEqual({ id, value: (value as Record<string, number>)[theirs] });
    } else if (raw.has(id)) {
      expect({ id, hex: raw.get(id) }).toEqual({ id, hex: value });
    } else {
      // A standard item the reference leaves as hex and we type.
      const typedHex: Record<string, keyof Jt808Position['extras']> = {
        '0x04': 'alarmEventId',
        '0x05': 'tirePressure',
        '0x06': 'carriageTemperatureC',
        '0x11': 'overspeed',
        '0x12': 'areaRoute',
        '0x13': 'routeDriveTime',
        '0x25': 'vehicleSignals',
        '0x2a': 'ioStatus',
        '0x2b': 'analog',
      };
      expect({ id, typed: typedHex[id] !== undefined && p.extras[typedHex[id]] !== undefined }).toEqual({ id, typed: true });
    }
  }
}
