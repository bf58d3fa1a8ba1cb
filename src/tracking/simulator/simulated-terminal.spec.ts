import net from 'node:net';
import { JT808_MESSAGE_ID } from '../terminal/jt808/jt808.constants.js';
import type { Jt808Message } from '../terminal/jt808/jt808.decoder.js';
import { encodeMessage } from '../terminal/jt808/jt808.encoder.js';
import { encodeText } from '../terminal/jt808/jt808.fields.js';
import { FakeJt808Platform, type FakePlatformOptions } from './fake-jt808-platform.js';
import { LatencyHistogram } from './latency-histogram.js';
import { prepareRoute, RouteWalker, type SimulatedFix } from './route-walker.js';
import { SimulatedTerminal, TerminalError, type SimulatedTerminalOptions } from './simulated-terminal.js';
import { SIMULATOR_ROUTES } from './simulator.routes.js';

const PHONE = '013800000001';
const REGISTRATION = { province: 15, city: 600, manufacturer: 'HZSIM', model: 'HZ-SIM-808', terminalId: 'S000001', plateColour: 2, plate: '蒙Z00001' };

const track = (n: number): SimulatedFix[] => {
  const w = new RouteWalker(prepareRoute(SIMULATOR_ROUTES.demo!), { stepS: 1, startTime: Date.now() - n * 1000, seed: 11 });
  return Array.from({ length: n }, () => w.next()!);
};

// Any unhandled rejection during a test fails it (the simulator must never leave one behind).
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
beforeAll(() => process.on('unhandledRejection', onUnhandled));
afterAll(() => process.off('unhandledRejection', onUnhandled));

describe(SimulatedTerminal.name, () => {
  let platform: FakeJt808Platform;
  let terminal: SimulatedTerminal;

  const start = async (options: FakePlatformOptions = {}, terminalOptions: Partial<SimulatedTerminalOptions> = {}) => {
    platform = new FakeJt808Platform(options);
    const port = await platform.start();
    terminal = new SimulatedTerminal({ host: '127.0.0.1', port, phone: PHONE, replyTimeoutMs: 2_000, ...terminalOptions });
    await terminal.connect();
    return terminal;
  };

  beforeEach(() => {
    unhandled.length = 0;
  });

  afterEach(async () => {
    await terminal?.close();
    await platform?.stop();
    // Let pending rejections surface before checking.
    await new Promise((r) => setTimeout(r, 10));
    expect(unhandled).toEqual([]);
  });

  it('should register, authenticate and have 100 locations acknowledged, with their latencies', async () => {
    const latency = new LatencyHistogram();
    await start({}, { latency });
    const { authCode } = await terminal.register(REGISTRATION);
    expect(authCode).toBe(`AC${PHONE}`);
    expect(terminal.authCode).toBe(authCode);
    await expect(terminal.authenticate()).resolves.toMatchObject({ result: 0, messageId: JT808_MESSAGE_ID.AUTH, replyId: JT808_MESSAGE_ID.AUTH });
    expect(terminal.authenticated).toBe(true);

    const fixes = track(100);
    for (const fix of fixes) {
      const ack = await terminal.sendLocation(fix);
      expect(ack).toMatchObject({ result: 0, messageId: 0x0200, replyId: 0x0200 });
      expect(ack.latencyMs).toBeGreaterThan(0);
      expect(ack.latencyMs).toBeLessThan(2_000);
    }
    expect(terminal.counters).toMatchObject({ sent: 102, acked: 102, failed: 0, unmatched: 0, badFrames: 0 });
    expect(latency.count).toBe(102);
    expect(latency.summary().p99).toBeGreaterThan(0);

    const register = platform.received.find((m) => m.kind === 'register');
    expect(register?.body).toMatchObject({ provinceId: 15, cityId: 600, manufacturerId: 'HZSIM', terminalId: 'S000001', plateColor: 2, plate: '蒙Z00001' });
    const locations = platform.received.filter((m): m is Extract<Jt808Message, { kind: 'location' }> => m.kind === 'location');
    expect(locations).toHaveLength(100);
    locations.forEach((m, i) => {
      expect(m.header.phone).toBe(PHONE);
      expect(m.body.latitude).toBeCloseTo(fixes[i]!.latitude, 6);
      expect(m.body.flags).toMatchObject({ accOn: true, positioned: true });
    });
    expect(new Set(platform.received.map((m) => m.header.serial)).size).toBe(102);
  });

  it('should match pipelined replies that come back in another order by serial number', async () => {
    await start({ reverseEvery: 10 });
    const sends = track(50).map((f) => terminal.sendLocation(f));
    expect(terminal.inFlight).toBeGreaterThan(1);
    const acks = await Promise.all(sends);
    const serials = platform.received.filter((m) => m.kind === 'location').map((m) => m.header.serial);
    expect(acks.map((a) => a.serial)).toEqual(serials);
    expect(acks.every((a) => a.result === 0)).toBe(true);
    expect(terminal.inFlight).toBe(0);
  }, 10_000);

  it('should read replies cut into pieces across TCP writes', async () => {
    await start({ splitReplies: true });
    await terminal.register(REGISTRATION);
    await terminal.authenticate();
    const acks = await Promise.all(track(20).map((f) => terminal.sendLocation(f)));
    expect(acks.map((a) => a.result)).toEqual(Array(20).fill(0));
    expect(terminal.counters).toMatchObject({ acked: 22, badFrames: 0, unmatched: 0 });
  });

  it('should read two replies arriving in one chunk, and junk between them', async () => {
    // A hand-written platform that answers two heartbeats at once.
    const server = net.createServer((socket) => {
      let delimiters = 0;
      socket.on('data', (chunk: Buffer) => {
        delimiters += chunk.filter((b) => b === 0x7e).length;
        if (delimiters < 4) return;
        const reply = (serial: number) =>
          encodeMessage({ messageId: 0x8001, phone: PHONE, serial, body: Buffer.from([0, serial, 0x00, 0x02, 0]) });
        socket.write(Buffer.concat([reply(0), Buffer.from('junk'), reply(1)]));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const t = new SimulatedTerminal({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port, phone: PHONE });
    try {
      await t.connect();
      const first = t.heartbeat();
      const second = t.heartbeat();
      await expect(Promise.all([first, second])).resolves.toEqual([expect.objectContaining({ serial: 0, result: 0 }), expect.objectContaining({ serial: 1, result: 0 })]);
    } finally {
      await t.close();
      await new Promise((r) => server.close(r));
    }
    terminal = undefined as never;
    platform = { stop: async () => undefined } as never;
  });

  it('should reject registration with the platform result (4: no such terminal)', async () => {
    await start({ knownPhones: new Set(['013899999999']) });
    const refused = await terminal.register(REGISTRATION).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TerminalError);
    expect(refused).toMatchObject({ code: 'REGISTER_REFUSED', result: 4 });
    expect(terminal.authCode).toBeNull();
    await expect(terminal.authenticate()).rejects.toMatchObject({ code: 'NO_AUTH_CODE' });
  });

  it('should reject authentication with a wrong code', async () => {
    await start({}, { authCode: 'WRONG' });
    await expect(terminal.authenticate()).rejects.toMatchObject({ code: 'AUTH_REFUSED', result: 1 });
    expect(terminal.authenticated).toBe(false);
    await expect(terminal.authenticate(`AC${PHONE}`)).resolves.toMatchObject({ result: 0 });
  });

  it('should resolve a location with the platform result even when it is not 0', async () => {
    await start({ answer: (m) => (m.kind === 'location' ? 2 : undefined) });
    await expect(terminal.sendLocation(track(1)[0]!)).resolves.toMatchObject({ result: 2 });
    expect(terminal.counters).toMatchObject({ nacked: 1, failed: 1, acked: 0 });
  });

  it('should reject, not throw, on a position that cannot be encoded', async () => {
    await start();
    const old = { latitude: 40, longitude: 110, time: new Date('1999-01-01T00:00:00Z') };
    expect(() => terminal.sendLocation(old).catch(() => undefined)).not.toThrow();
    await expect(terminal.sendLocation(old)).rejects.toThrow(RangeError);
    await expect(terminal.sendLocation({ ...old, extras: { fuelL: 10 } })).rejects.toThrow(RangeError);
    await expect(terminal.sendBatch(0, track(40))).rejects.toThrow(RangeError);
    await expect(terminal.register({ ...REGISTRATION, manufacturer: 'TOO-LONG-ID' })).rejects.toThrow(RangeError);
    await expect(terminal.heartbeat()).resolves.toMatchObject({ result: 0 });
  });

  it('should time out a request the platform never answers', async () => {
    await start({ answer: (m) => (m.kind === 'location' ? 'ignore' : undefined) }, { replyTimeoutMs: 150 });
    const started = Date.now();
    const [a, b] = await Promise.allSettled([terminal.sendLocation(track(1)[0]!), terminal.heartbeat()]);
    expect(a).toMatchObject({ status: 'rejected', reason: { code: 'TIMEOUT' } });
    expect(b).toMatchObject({ status: 'fulfilled', value: { result: 0 } });
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(terminal.counters).toMatchObject({ timedOut: 1, acked: 1, failed: 1 });
    expect(terminal.inFlight).toBe(0);
  });

  it('should reject every pending send when the platform closes the socket, then reconnect on demand', async () => {
    await start({ closeAfterFrames: 3, answer: (m) => (m.kind === 'location' ? 'ignore' : undefined) });
    const disconnected = new Promise((resolve) => terminal.once('disconnect', resolve));
    const results = await Promise.allSettled(track(10).map((f) => terminal.sendLocation(f)));
    expect(results.every((r) => r.status === 'rejected' && (r.reason as TerminalError).code === 'DISCONNECTED')).toBe(true);
    await expect(disconnected).resolves.toMatchObject({ expected: false });
    expect(terminal.connected).toBe(false);
    expect(terminal.counters).toMatchObject({ sent: 10, aborted: 10, failed: 10 });
    await expect(terminal.sendLocation(track(1)[0]!)).rejects.toMatchObject({ code: 'NOT_CONNECTED' });
    await expect(terminal.heartbeat()).rejects.toBeInstanceOf(TerminalError);

    await terminal.reconnect();
    expect(terminal.connected).toBe(true);
    await expect(terminal.heartbeat()).resolves.toMatchObject({ result: 0 });
  });

  it('should reject pending requests with CLOSED on close()', async () => {
    await start({ answer: () => 'ignore' });
    const pending = terminal.heartbeat().catch((e: unknown) => e);
    await terminal.close();
    await expect(pending).resolves.toMatchObject({ code: 'CLOSED' });
    expect(terminal.connected).toBe(false);
  });

  it('should fail to connect with CONNECT_FAILED', async () => {
    await start();
    const closedPort = platform.port;
    await platform.stop();
    const t = new SimulatedTerminal({ host: '127.0.0.1', port: closedPort, phone: PHONE, connectTimeoutMs: 1_000 });
    await expect(t.connect()).rejects.toMatchObject({ code: 'CONNECT_FAILED' });
    await t.close();
  });

  it('should speak 2019 headers and send 0x0704 batches', async () => {
    await start({}, { version: '2019', imei: '860000000000001', softwareVersion: 'sim-1.0' });
    await terminal.register({ ...REGISTRATION, terminalId: 'S013800000001' });
    await terminal.authenticate();
    const fixes = track(20);
    await expect(terminal.sendBatch(1, fixes)).resolves.toMatchObject({ result: 0, messageId: 0x0704 });
    const auth = platform.received.find((m) => m.kind === 'auth');
    expect(auth?.header).toMatchObject({ version: '2019', phone: `00000000${PHONE}` });
    expect(auth?.body).toMatchObject({ authCode: `AC${PHONE}`, imei: '860000000000001', softwareVersion: 'sim-1.0' });
    const batch = platform.received.find((m) => m.kind === 'batchLocation');
    if (batch?.kind !== 'batchLocation') throw new Error('no batch received');
    expect(batch.body).toMatchObject({ batchType: 1, count: 20, malformed: [] });
    expect(batch.body.positions.map((p) => p.latitude)).toEqual(fixes.map((f) => Math.round(f.latitude * 1e6) / 1e6));
  });

  it('should answer a platform command with a 0x0001 general reply', async () => {
    await start();
    const commands: Jt808Message[] = [];
    terminal.on('command', (m: Jt808Message) => commands.push(m));
    // The fake platform's socket to this terminal: send a 0x8300 text message (e.g. a speeding reminder).
    await new Promise((r) => setTimeout(r, 20));
    const [socket] = [...platform.sockets];
    const text = Buffer.concat([Buffer.from([0x08]), encodeText('您已超速，请减速行驶')]);
    socket!.write(encodeMessage({ messageId: 0x8300, phone: PHONE, serial: 77, body: text }));
    await waitFor(() => platform.count(JT808_MESSAGE_ID.TERMINAL_GENERAL_REPLY) === 1);
    const reply = platform.received.find((m) => m.kind === 'terminalGeneralReply');
    expect(reply?.body).toEqual({ replySerial: 77, replyId: 0x8300, result: 0 });
    expect(commands.map((m) => m.header.messageId)).toEqual([0x8300]);
  });
});

async function waitFor(condition: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}
