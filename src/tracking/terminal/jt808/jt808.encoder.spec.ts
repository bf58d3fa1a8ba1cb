import { expectSanePosition } from '../../../../test/fixtures/jt808/expect-sane-position.js';
import { hex, jt808Fixture, JT808_FRAMES, payloadOf, wireOf } from '../../../../test/fixtures/jt808/frames.js';
import {
  alarmWord,
  JT808_PLATFORM_RESULT,
  JT808_REGISTER_RESULT,
  statusWord,
} from './jt808.constants.js';
import { decodeJt808, type Jt808Message, type Jt808Position } from './jt808.decoder.js';
import {
  encodeAuth,
  encodeBatch,
  encodeBody,
  encodeDriverIdentity,
  encodeLocation,
  encodeMessage,
  encodePayload,
  encodeRegister,
  platformGeneralReply,
  encodeResendSubpackagesBody,
  registerReply,
  resendSubpackagesRequest,
  terminalGeneralReply,
  type Jt808PositionInput,
} from './jt808.encoder.js';
import { Jt808FrameDecoder } from './jt808.frame-decoder.js';

// Wire bytes → frame decoder (in uneven chunks) → decoder: what the terminal server will do.
function receive(wire: Buffer): Jt808Message[] {
  const d = new Jt808FrameDecoder();
  const frames: Buffer[] = [];
  for (let i = 0, size = 1; i < wire.length; i += size, size = (size % 7) + 1) frames.push(...d.push(wire.subarray(i, i + size)));
  return frames.map((f) => {
    const r = decodeJt808(f);
    if (!r.ok) throw new Error(`${r.error}: ${r.detail}`);
    return r.message;
  });
}

const receiveOne = (wire: Buffer) => {
  const messages = receive(wire);
  expect(messages).toHaveLength(1);
  return messages[0];
};

const reencode = (m: Jt808Message) => encodeMessage({ ...m.header, body: encodeBody(m) });

const beijing = (s: string) => new Date(s.replace(' ', 'T') + '+08:00');

describe('jt808.encoder', () => {
  describe(platformGeneralReply.name, () => {
    it('should produce the exact 0x8001 bytes of the SmallChi and go-jt808 suites', () => {
      expect(platformGeneralReply({ phone: '012345678900', serial: 10, version: '2013' }, { replySerial: 100, replyId: 0x0200, result: 0 })).toEqual(
        wireOf(jt808Fixture('smallchi-8001-Test2')),
      );
      expect(platformGeneralReply({ phone: '12345678901', serial: 0, version: '2013' }, { replySerial: 32767, replyId: 0x0002, result: 0 })).toEqual(
        wireOf(jt808Fixture('go-jt808-8001')),
      );
    });

    it('should answer a 2019 terminal in the 2019 layout, echoing its phone', () => {
      const location = receiveOne(wireOf(jt808Fixture('yezhihao-L14')));
      const reply = platformGeneralReply(
        { ...location.header, serial: 1 },
        { replySerial: location.header.serial, replyId: location.header.messageId, result: JT808_PLATFORM_RESULT.SUCCESS },
      );
      expect(reply).toEqual(hex('7e 8001 4005 01 00000000017299841738 0001 ffff 0200 00 87 7e'));
      expect(receiveOne(reply)).toMatchObject({
        kind: 'platformGeneralReply',
        header: { version: '2019', phone: '00000000017299841738' },
        body: { replySerial: 0xffff, replyId: 0x0200, result: 0 },
      });
    });

    it('should escape 7e/7d in the serial and the check code', () => {
      const reply = platformGeneralReply({ phone: '013800138000', serial: 0x7e7d, version: '2013' }, { replySerial: 0x7d7e, replyId: 0x0200, result: 4 });
      expect(reply).toEqual(hex('7e 8001 0005 013800138000 7d027d01 7d017d02 0200 04 28 7e'));
      expect(receiveOne(reply).body).toEqual({ replySerial: 0x7d7e, replyId: 0x0200, result: JT808_PLATFORM_RESULT.ALARM_CONFIRMED });
    });

    it('should offer every result code of JT/T 808 §8.2', () => {
      expect(Object.values(JT808_PLATFORM_RESULT)).toEqual([0, 1, 2, 3, 4]);
    });
  });

  describe(registerReply.name, () => {
    it.each([
      ['smallchi-8100-Test2', { phone: '012345678900', serial: 10, version: '2013' }, { replySerial: 100, result: 0, authCode: '123456' }],
      ['smallchi-8100-Test4', { phone: '012345678900', serial: 10, version: '2013' }, { replySerial: 100, result: 4, authCode: 'ignored' }],
      ['smallchi-8100-Test6', { phone: '012345678900', serial: 10, version: '2013' }, { replySerial: 100, result: 0, authCode: 'zssdaf23124sfdsc' }],
      ['go-jt808-8100', { phone: '012345678901', serial: 0, version: '2013' }, { replySerial: 0, result: 0, authCode: '12345678901' }],
      ['yezhihao-L39', { phone: '012345678901', serial: 0x7fff, version: '2013' }, { replySerial: 38668, result: 0, authCode: 'chwD0SE1fchwD0SE1fchwD0SE1f' }],
      ['yezhihao-L40', { phone: '17299841738', serial: 0xffff, version: '2019', protocolVersion: 1 }, { replySerial: 38668, result: 0, authCode: 'chwD0SE1fchwD0SE1fchwD0SE1f' }],
    ] as const)('should produce the exact 0x8100 bytes of %s', (id, header, reply) => {
      expect(registerReply(header, reply)).toEqual(wireOf(jt808Fixture(id)));
    });

    it('should send the auth code only on success', () => {
      const header = { phone: '13800138000', serial: 3, version: '2013' } as const;
      for (const result of Object.values(JT808_REGISTER_RESULT)) {
        const m = receiveOne(registerReply(header, { replySerial: 9, result, authCode: 'AUTH-7e7d-认证' }));
        expect(m.body).toEqual({ replySerial: 9, result, authCode: result === 0 ? 'AUTH-7e7d-认证' : null });
      }
    });
  });

  describe(resendSubpackagesRequest.name, () => {
    // Written out by hand from JT/T 808-2013 §8.4 table 6 (check code computed separately): header 8003, properties
    // (body length 7), phone 013912345678, serial 7; body: original serial 0102, count 02 (BYTE), indexes 0002 0005.
    it('should produce the exact 2013 bytes: count as a BYTE', () => {
      expect(resendSubpackagesRequest({ phone: '013912345678', serial: 7, version: '2013' }, { firstSerial: 0x0102, indexes: [2, 5] })).toEqual(
        hex('7e80030007013912345678000701020200020005b57e'),
      );
    });

    // 2019: version flag (0x4000 | 10), protocol version 01, 20-digit phone; the count is a WORD (0003).
    it('should produce the exact 2019 bytes: count as a WORD', () => {
      expect(
        resendSubpackagesRequest({ phone: '00000000013912345678', serial: 9, version: '2019', protocolVersion: 1 }, { firstSerial: 0xfffe, indexes: [1, 3, 4] }),
      ).toEqual(hex('7e8003400a01000000000139123456780009fffe0003000100030004f57e'));
    });

    it('should refuse an empty list, an index 0 and more indexes than the 2013 count holds', () => {
      expect(() => encodeResendSubpackagesBody({ firstSerial: 1, indexes: [] })).toThrow(RangeError);
      expect(() => encodeResendSubpackagesBody({ firstSerial: 1, indexes: [0] })).toThrow(RangeError);
      const many = Array.from({ length: 256 }, (_, i) => i + 1);
      expect(() => encodeResendSubpackagesBody({ firstSerial: 1, indexes: many }, '2013')).toThrow(RangeError);
      expect(encodeResendSubpackagesBody({ firstSerial: 1, indexes: many }, '2019')).toHaveLength(2 + 2 + 512);
    });
  });

  describe('round trips through the frame decoder and decoder', () => {
    const header = { phone: '013912345678', serial: 0x7e7d, version: '2013' } as const;
    const header2019 = { phone: '10000000000013912345', serial: 0x017e, version: '2019', protocolVersion: 1 } as const;

    // A position that exercises every standard item and the escape bytes (0x7e in the latitude, 0x7d in the speed).
    const position: Jt808PositionInput = {
      alarm: alarmWord(['overspeed', 'gnssAntennaDisconnected', 'illegalDoorOpening']),
      status: statusWord({ accOn: true, positioned: true, beidou: true, gps: true, load: 'full', doorLocked: true }),
      latitude: 0x7e7e7e / 1e6, // raw 00 7e 7e 7e
      longitude: -(116.397128),
      altitude: -154,
      speedKmh: 0x7d / 10,
      direction: 359,
      time: beijing('2026-03-01 08:00:07'),
      extras: {
        mileageKm: 123456.7,
        fuelL: 410.5,
        recorderSpeedKmh: 12.5,
        alarmEventId: 7,
        tirePressure: Array.from({ length: 30 }, (_, i) => (i < 6 ? 90 + i : 0xff)),
        carriageTemperatureC: -18,
        overspeed: { locationType: 4, areaId: 0x7e7e7e7e },
        areaRoute: { locationType: 1, areaId: 12, direction: 1 },
        routeDriveTime: { routeId: 99, seconds: 600, result: 0 },
        vehicleSignals: { word: 0b10001, set: ['lowBeam', 'braking'] },
        ioStatus: { word: 2, set: ['sleep'] },
        analog: { ad0: 513, ad1: 0x7d7e },
        signalStrength: 31,
        satellites: 14,
      },
      rawItems: [{ id: 0xe1, hex: '7e7d00' }],
    };

    it('should round-trip 0x0200 with every standard item', () => {
      const m = receiveOne(encodeMessage({ ...header, messageId: 0x0200, body: encodeLocation(position) }));
      expect(m.kind).toBe('location');
      const p = m.body as Jt808Position;
      expect(p).toMatchObject({
        alarms: ['overspeed', 'gnssAntennaDisconnected', 'illegalDoorOpening'],
        latitude: 8.289918,
        longitude: -116.397128,
        altitude: -154,
        speedKmh: 12.5,
        direction: 359,
        time: position.time,
        extras: position.extras,
        rawItems: position.rawItems,
        trailingHex: null,
        issues: [],
      });
      expect(p.flags).toMatchObject({ accOn: true, positioned: true, westLongitude: true, southLatitude: false, load: 'full', doorLocked: true });
      expectSanePosition(p);
      expect(m.header).toMatchObject({ messageId: 0x0200, serial: 0x7e7d, phone: '013912345678', version: '2013' });
    });

    it.each([0, 1] as const)('should round-trip 0x0704 of type %i', (type) => {
      const second = { latitude: 22.5, longitude: 113.9, time: beijing('2026-03-01 08:00:37'), speedKmh: 60.3, extras: { satellites: 9 } };
      const m = receiveOne(encodeMessage({ ...header2019, messageId: 0x0704, body: encodeBatch(type, [position, second]) }));
      expect(m).toMatchObject({ kind: 'batchLocation', header: { version: '2019', protocolVersion: 1, phone: header2019.phone } });
      expect(m.body).toMatchObject({ batchType: type, count: 2, malformed: [], positions: [{ latitude: 8.289918, extras: position.extras }, second] });
    });

    it.each([
      ['2011', '2013'],
      ['2013', '2013'],
      ['2019', '2019'],
    ] as const)('should round-trip a %s register (0x0100) in a %s header', (layout, version) => {
      const reg = { layout, provinceId: 15, cityId: 100, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T7E7D01', plateColor: 2, plate: '蒙A·D1234' };
      const m = receiveOne(encodeMessage({ ...(version === '2019' ? header2019 : header), messageId: 0x0100, body: encodeRegister(reg, version) }));
      expect(m).toMatchObject({ kind: 'register', body: reg });
    });

    it.each(['2013', '2019'] as const)('should round-trip a %s auth (0x0102)', (version) => {
      const auth = { authCode: 'AUTH~7e~', imei: version === '2019' ? '867567041100769' : null, softwareVersion: version === '2019' ? 'V1.2.3' : null };
      const m = receiveOne(encodeMessage({ ...(version === '2019' ? header2019 : header), messageId: 0x0102, body: encodeAuth(auth, version) }));
      expect(m).toMatchObject({ kind: 'auth', body: auth });
    });

    it('should round-trip heartbeat (0x0002) and logout (0x0003)', () => {
      expect(receiveOne(encodeMessage({ ...header, messageId: 0x0002 }))).toMatchObject({ kind: 'heartbeat', body: null, header: { bodyLength: 0 } });
      expect(receiveOne(encodeMessage({ ...header2019, messageId: 0x0003 }))).toMatchObject({ kind: 'logout', body: null });
    });

    it('should round-trip the terminal general reply (0x0001)', () => {
      const m = receiveOne(terminalGeneralReply(header, { replySerial: 0x7e, replyId: 0x8103, result: 3 }));
      expect(m).toMatchObject({ kind: 'terminalGeneralReply', body: { replySerial: 0x7e, replyId: 0x8103, result: 3 } });
    });

    it.each([
      { layout: '2013', status: 1, icReadResult: 0, name: '张三', certificateNumber: '150102198001011234', issuingAuthority: '内蒙古自治区交通运输厅', expiry: '2027-06-30', idCardNumber: null },
      { layout: '2019', status: 1, icReadResult: 0, name: '李四', certificateNumber: 'Q1501021980', issuingAuthority: '呼和浩特市运管处', expiry: '2028-01-31', idCardNumber: '150102198001011234' },
      { layout: '2013', status: 1, icReadResult: 2, name: null, certificateNumber: null, issuingAuthority: null, expiry: null, idCardNumber: null },
      { layout: '2013', status: 2, icReadResult: null, name: null, certificateNumber: null, issuingAuthority: null, expiry: null, idCardNumber: null },
      { layout: '2011', status: null, icReadResult: null, name: '王五', certificateNumber: 'CERT-0001', issuingAuthority: '包头市', expiry: null, idCardNumber: '150203199001011234' },
    ] as const)('should round-trip driver identity (0x0702) $layout status $status', (d) => {
      const identity = { ...d, time: d.layout === '2011' ? null : beijing('2026-03-01 07:55:00') };
      const m = receiveOne(encodeMessage({ ...(d.layout === '2019' ? header2019 : header), messageId: 0x0702, body: encodeDriverIdentity(identity) }));
      expect(m).toEqual(expect.objectContaining({ kind: 'driverIdentity', body: identity }));
    });

    it('should round-trip a subpackage header', () => {
      const m = receiveOne(encodeMessage({ ...header, messageId: 0x0801, packet: { total: 3, index: 2 }, body: hex('7e7d') }));
      expect(m).toMatchObject({ kind: 'fragment', header: { packet: { total: 3, index: 2 } }, body: hex('7e7d') });
    });
  });

  describe('re-encoding the corpus', () => {
    const decodable = JT808_FRAMES.filter((f) => f.asserted.kind !== 'error').flatMap((f) => {
      const r = decodeJt808(payloadOf(f));
      return r.ok ? [[f.id, f, r.message] as const] : [];
    });

    // Frames that decode to the same message but not to the same bytes, and why.
    const NOT_BYTE_EXACT: Record<string, string> = {
      'traccar-L14': 'vendor items before standard ones; we write standard items first',
      'traccar-L22': 'item order',
      'traccar-L37': 'item order',
      'traccar-L65': 'item order',
      'traccar-L69': 'item order',
      'traccar-L85': 'item order',
      'traccar-L179': 'item order',
      'traccar-L228': 'item order',
      'traccar-L232': 'item order',
      'traccar-L235': 'item order',
      'traccar-L277': 'item order',
      'traccar-L281': 'item order',
      'traccar-L30': 'register plate padded with 0x00, which decoding strips',
      'traccar-L334': 'register plate padded with 0x00, which decoding strips',
      'smallchi-0200-Test5_4-2019': 'bit 14 set on a 2013 header; re-encoded without it',
      'smallchi-0102-Test5_3-2013force': 'bit 14 set on a 2013 header; re-encoded without it (SmallChi does the same)',
      'go-jt808-neg-lenient': 'its 7d check code was not escaped; re-encoded escaped',
    };

    it('should cover 146 decodable frames', () => {
      expect(decodable).toHaveLength(146);
    });

    it.each(decodable)('should re-encode %s to a frame that decodes to the same message', (id, f, m) => {
      const again = receiveOne(reencode(m));
      const { bodyLength: _a, versionFlag: _b, ...header } = m.header;
      expect(again).toMatchObject({ kind: m.kind, header });
      expect(again.body).toEqual(m.body);
      if (!(id in NOT_BYTE_EXACT)) expect(reencode(m).toString('hex')).toBe(wireOf(f).toString('hex'));
    });

    it("should pass yezhihao's TestHex self-check (decode, re-encode, same bytes) for all of its frames", () => {
      const yezhihao = JT808_FRAMES.filter((f) => f.source.repo === 'yezhihao/jt808-server');
      expect(yezhihao).toHaveLength(12);
      for (const f of yezhihao) {
        const r = decodeJt808(payloadOf(f));
        expect(r.ok).toBe(true);
        if (r.ok) expect(reencode(r.message)).toEqual(wireOf(f));
      }
    });

    it('should re-encode the bit-14-on-2013 auth of SmallChi as a plain 2013 frame (JTT2013Force)', () => {
      const m = receiveOne(wireOf(jt808Fixture('smallchi-0102-Test5_3-2013force')));
      const again = receiveOne(reencode(m));
      // The fixture note calls the code "100300000681"; the 12 body bytes are 4a 31 30 30 33 30 30 30 30 36 38 31.
      expect(again).toMatchObject({ kind: 'auth', warnings: [], header: { versionFlag: false, version: '2013' }, body: { authCode: 'J10030000681' } });
      expect(again.body).toEqual(m.body);
    });
  });

  describe('simulator helpers', () => {
    it('should set the south/west bits from the signs and keep them for a zero coordinate', () => {
      const body = encodeLocation({ latitude: -33.8688, longitude: 151.2093, status: 0b1000, time: beijing('2026-03-01 12:00:00') });
      expect(body.readUInt32BE(4)).toBe(0b0100);
      expect(encodeLocation({ latitude: 0, longitude: 0, status: 0b1100, time: new Date() }).readUInt32BE(4)).toBe(0b1100);
    });

    it('should write the BCD clock in Beijing time', () => {
      const body = encodeLocation({ latitude: 40.8, longitude: 111.7, time: new Date('2026-02-28T16:30:05Z') });
      expect(body.subarray(22, 28).toString('hex')).toBe('260301003005');
    });

    it('should refuse what the protocol cannot carry', () => {
      expect(() => encodePayload({ messageId: 0x0200, phone: '1', serial: 1, body: Buffer.alloc(1024) })).toThrow(RangeError);
      expect(() => encodePayload({ messageId: 0x0002, phone: '1234567890123', serial: 1 })).toThrow(RangeError);
      expect(() => encodeLocation({ latitude: 0, longitude: 0, time: new Date('1999-12-31T00:00:00Z') })).toThrow(RangeError);
      expect(() => encodeRegister({ provinceId: 0, cityId: 0, manufacturerId: 'TOO-LONG', model: '', terminalId: '', plateColor: 0, plate: '' })).toThrow(RangeError);
    });
  });
});
