import request from 'supertest';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeBatch, encodeRegister, platformGeneralReply, resendSubpackagesRequest, type Jt808PositionInput } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { vehicleWithTerminal } from '../helpers/fixtures.js';
import { Jt808TestClient } from './jt808-client.js';

// Subpackaged (分包) JT/T 808 messages over a real TCP socket against the whole application: a 0x0704 batch cut into
// packages is put back together and stored once, each package answered; a missing package is asked for with 0x8003
// after TERMINAL_SUBPACKAGE_TIMEOUT_SECONDS (1 s here).

const REGISTRATION = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B90001' });

// Fixes a few minutes old, a second and about a metre apart, so that the plausibility filter finds nothing to flag.
const base = Math.floor(Date.now() / 1000) * 1000 - 30 * 60_000;
const fix = (second: number): Jt808PositionInput => ({
  latitude: 40.6123 + second * 1e-5,
  longitude: 109.8456,
  speedKmh: 36,
  direction: 0,
  altitude: 1050,
  status: 0b11,
  time: new Date(base + second * 1000),
});

const ack = (phone: string, serial: number, replySerial: number, replyId: number, result: 0 | 2 = 0) =>
  platformGeneralReply({ phone, serial, version: '2013' }, { replySerial, replyId, result });

describe('JT/T 808 subpackages (e2e)', () => {
  let t: TestApp;
  let port: number;
  let seq = 0;
  const clients: Jt808TestClient[] = [];

  beforeAll(async () => {
    t = await startTestApp({ TERMINAL_SUBPACKAGE_TIMEOUT_SECONDS: '1' });
    port = t.app.get(TerminalServer).port!;
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(() => t?.close());

  // A vehicle with a terminal on record, registered and authenticated (platform serials 0 and 1 used, terminal's too).
  async function authenticatedTerminal() {
    seq++;
    const phone = `01398${String(100_000 + seq).padStart(7, '0')}`;
    const { vehicleId } = await vehicleWithTerminal(t, phone, `蒙B9${String(seq).padStart(4, '0')}`);
    const c = await Jt808TestClient.connect(port, phone);
    clients.push(c);
    const reg = await c.request(ID.REGISTER, REGISTRATION);
    const code = (reg.message.body as { authCode: string }).authCode;
    expect((await c.request(ID.AUTH, encodeAuth({ authCode: code }))).message.body).toMatchObject({ result: 0 });
    return { phone, vehicleId, c };
  }

  // A 0x0704 batch of `n` positions cut into `total` packages with consecutive serials (JT/T 808 分包消息).
  function batchPackages(c: Jt808TestClient, n: number, total: number, offset = 0) {
    const whole = encodeBatch(0, Array.from({ length: n }, (_, i) => fix(offset + i)));
    const size = Math.ceil(whole.length / total);
    const first = c.serial;
    c.serial += total;
    return {
      first,
      packages: Array.from({ length: total }, (_, i) =>
        c.frame(ID.BATCH_LOCATION, whole.subarray(i * size, (i + 1) * size), { serial: first + i, packet: { total, index: i + 1 } }),
      ),
    };
  }

  const fixTimes = async (vehicleId: string) =>
    ((await t.ds.query(`SELECT fix_time FROM positions WHERE vehicle_id = $1 ORDER BY fix_time`, [vehicleId])) as { fix_time: Date }[]).map((r) => r.fix_time.getTime());

  it('should put a 0x0704 of 40 positions sent in 3 packages out of order back together, answer each, and store it once', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const { first, packages } = batchPackages(c, 40, 3);
    expect(packages.every((p) => p.length < 1100)).toBe(true);
    const [p1, p2, p3] = packages as [Buffer, Buffer, Buffer];

    c.write(p3);
    expect((await c.read()).raw).toEqual(ack(phone, 2, first + 2, ID.BATCH_LOCATION));
    c.write(p1);
    expect((await c.read()).raw).toEqual(ack(phone, 3, first, ID.BATCH_LOCATION));
    expect(await fixTimes(vehicleId)).toEqual([]);
    c.write(p2);
    expect((await c.read()).raw).toEqual(ack(phone, 4, first + 1, ID.BATCH_LOCATION));
    // The completing package is answered after the durable write: the rows are there with its ACK.
    const expected = Array.from({ length: 40 }, (_, i) => base + i * 1000);
    expect(await fixTimes(vehicleId)).toEqual(expected);

    // The terminal re-sends the completing package (say our ACK was lost), then another one: both answered 0,
    // nothing stored twice.
    c.write(p2);
    expect((await c.read()).raw).toEqual(ack(phone, 5, first + 1, ID.BATCH_LOCATION));
    c.write(p1);
    expect((await c.read()).raw).toEqual(ack(phone, 6, first, ID.BATCH_LOCATION));
    expect(await fixTimes(vehicleId)).toEqual(expected);
  });

  it('should ask for a missing package with 0x8003 after the timeout, and store the message once it comes', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const { first, packages } = batchPackages(c, 30, 3, 100);
    const [p1, p2, p3] = packages as [Buffer, Buffer, Buffer];
    c.write(p1, p3);
    expect((await c.readMany(2)).map((r) => r.raw)).toEqual([ack(phone, 2, first, ID.BATCH_LOCATION), ack(phone, 3, first + 2, ID.BATCH_LOCATION)]);

    // 1 s without package 2, found by the next sweep (every 250 ms at this timeout).
    const request8003 = await c.read(5_000);
    expect(request8003.message.header.messageId).toBe(ID.RESEND_SUBPACKAGES);
    expect(request8003.raw).toEqual(resendSubpackagesRequest({ phone, serial: 4, version: '2013' }, { firstSerial: first, indexes: [2] }));
    // Asked once only.
    await c.expectSilence(600);
    expect(await fixTimes(vehicleId)).toEqual([]);

    // JT/T 808: the terminal sends the listed packages again, as they were.
    c.write(p2);
    expect((await c.read()).raw).toEqual(ack(phone, 5, first + 1, ID.BATCH_LOCATION));
    expect(await fixTimes(vehicleId)).toEqual(Array.from({ length: 30 }, (_, i) => base + (100 + i) * 1000));

    const metrics = (await request(t.http).get('/metrics')).text;
    expect(metrics).toMatch(/hazway_jt808_messages_reassembled_total\{message_id="0x0704"\} [1-9]/);
    expect(metrics).toMatch(/hazway_jt808_resend_requests_total [1-9]/);
    expect(metrics).toMatch(/hazway_jt808_fragments_received_total\{outcome="completed"\} [1-9]/);
  });

  it('should drop a message whose missing package never comes, and answer an inconsistent package with 2', async () => {
    const { phone, vehicleId, c } = await authenticatedTerminal();
    const { first, packages } = batchPackages(c, 20, 2, 200);
    c.write(packages[0]!);
    expect((await c.read()).raw).toEqual(ack(phone, 2, first, ID.BATCH_LOCATION));
    expect((await c.read(5_000)).message.header.messageId).toBe(ID.RESEND_SUBPACKAGES);
    // A second timeout later the message is dropped, and counted.
    await new Promise((r) => setTimeout(r, 1_600));
    const metrics = (await request(t.http).get('/metrics')).text;
    expect(metrics).toMatch(/hazway_jt808_reassembly_dropped_total\{reason="timeout"\} [1-9]/);

    // Index 3 of 2 is refused with 2 (message error); the connection stays open.
    c.write(c.frame(ID.BATCH_LOCATION, Buffer.from('0001', 'hex'), { packet: { total: 2, index: 3 } }));
    const refused = await c.read();
    expect(refused.message.body).toMatchObject({ replyId: ID.BATCH_LOCATION, result: 2 });
    expect(c.isOpen).toBe(true);
    expect(await fixTimes(vehicleId)).toEqual([]);
  });
});
