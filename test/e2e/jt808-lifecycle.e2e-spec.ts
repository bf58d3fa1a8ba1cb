import pg from 'pg';
import request from 'supertest';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeLocation, encodeRegister } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createTestDatabase } from '../helpers/db.js';
import { vehicleWithTerminal } from '../helpers/fixtures.js';
import { Jt808TestClient, type Received } from './jt808-client.js';

// The JT/T 808 server across its lifetime: nothing acknowledged is lost when the process stops in the middle of
// a stream and a new one takes over the same database, and idle connections are closed.

const REGISTRATION = encodeRegister({ provinceId: 15, cityId: 200, manufacturerId: 'HZW01', model: 'HZ-808', terminalId: 'T000001', plateColor: 2, plate: '蒙B80001' });
const base = Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000;
const report = (i: number) =>
  encodeLocation({ latitude: 40.6 + i * 1e-5, longitude: 109.8, speedKmh: 30, direction: 0, status: 0b11, time: new Date(base + i * 1000) });

const terminalOnRecord = async (t: TestApp, phone: string, plateNumber: string) => (await vehicleWithTerminal(t, phone, plateNumber)).vehicleId;

const portOf = (t: TestApp) => t.app.get(TerminalServer).port!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('JT/T 808 server lifecycle (e2e)', () => {
  it('should keep every acknowledged position across a restart, once, after the terminal re-sends the rest', async () => {
    const db = await createTestDatabase();
    let t2: TestApp | undefined;
    try {
      const t1 = await startTestApp({}, db);
      const phone = '013980000001';
      const vehicleId = await terminalOnRecord(t1, phone, '蒙B80001');
      const port1 = portOf(t1);

      const c1 = await Jt808TestClient.connect(port1, phone);
      const reg = await c1.request(ID.REGISTER, REGISTRATION);
      const code = (reg.message.body as { authCode: string }).authCode;
      expect((await c1.request(ID.AUTH, encodeAuth({ authCode: code }))).message.body).toMatchObject({ result: 0 });

      // 400 reports, streamed in bursts; the process is stopped once the first ones are acknowledged.
      const N = 400;
      const frames = new Map<number, Buffer>(); // serial → frame
      for (let i = 0; i < N; i++) frames.set(c1.serial, c1.frame(ID.LOCATION, report(i)));
      const serials = [...frames.keys()];
      const acked = new Set<number>();
      const collect = (r: Received) => {
        const b = r.message.body as { replySerial: number; replyId: number; result: number };
        if (r.message.kind === 'platformGeneralReply' && b.replyId === ID.LOCATION && b.result === 0) acked.add(b.replySerial);
      };
      const streaming = (async () => {
        for (let i = 0; i < serials.length && c1.isOpen; i += 20) {
          c1.write(...serials.slice(i, i + 20).map((s) => frames.get(s)!));
          await sleep(5);
        }
      })();
      collect(await c1.read());
      const stopping = t1.close();
      // Everything the old process answers before it goes.
      for (;;) {
        try {
          collect(await c1.read(10_000));
        } catch {
          break;
        }
      }
      await stopping;
      await streaming;
      await c1.closed;
      expect(acked.size).toBeGreaterThan(0);
      await expect(Jt808TestClient.connect(port1, phone)).rejects.toThrow(/ECONNREFUSED/);
      // Acknowledged means committed, even before any restart.
      const direct = new pg.Client({ connectionString: db.url });
      await direct.connect();
      const { rows } = await direct.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = $1 AND fix_time = ANY($2::timestamptz[])`, [
        vehicleId,
        [...acked].map((s) => new Date(base + serials.indexOf(s) * 1000)),
      ]);
      await direct.end();
      expect(rows[0].n).toBe(acked.size);

      // A new process on the same database: the terminal authenticates with the code it holds and re-sends what
      // was not acknowledged.
      t2 = await startTestApp({}, db);
      const c2 = await Jt808TestClient.connect(portOf(t2), phone);
      c2.serial = 10_000;
      expect((await c2.request(ID.AUTH, encodeAuth({ authCode: code }))).message.body).toMatchObject({ result: 0 });
      const resend = serials.filter((s) => !acked.has(s));
      const resentAcks = new Set<number>();
      for (let i = 0; i < resend.length; i += 50) {
        const chunk = resend.slice(i, i + 50);
        c2.write(...chunk.map((s) => frames.get(s)!));
        for (const r of await c2.readMany(chunk.length)) {
          const b = r.message.body as { replySerial: number; result: number };
          expect(b.result).toBe(0);
          resentAcks.add(b.replySerial);
        }
      }
      expect(resend.length).toBeGreaterThan(0); // the stop did come mid-stream
      expect(resentAcks.size).toBe(resend.length);

      const stored: { fix_time: Date; n: number }[] = await t2.ds.query(
        `SELECT fix_time, count(*)::int AS n FROM positions WHERE vehicle_id = $1 GROUP BY fix_time ORDER BY fix_time`,
        [vehicleId],
      );
      expect(stored).toHaveLength(N);
      expect(stored.every((r) => r.n === 1)).toBe(true);
      expect(stored.map((r) => r.fix_time.getTime())).toEqual(Array.from({ length: N }, (_, i) => base + i * 1000));
      c2.destroy();
    } finally {
      await t2?.close();
      await db.drop();
    }
  });

  describe('idle connections', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ TERMINAL_IDLE_SECONDS: '1' });
      await terminalOnRecord(t, '013980000002', '蒙B80002');
    });
    afterAll(() => t?.close());

    it('should close a connection that sends nothing, and keep one that heartbeats', async () => {
      const silent = await Jt808TestClient.connect(portOf(t), '013980000009');
      const connectedAt = Date.now();
      const silentClosedAt = silent.closed.then(() => Date.now());
      const live = await Jt808TestClient.connect(portOf(t), '013980000002');
      const code = (await live.request(ID.REGISTER, REGISTRATION)).message.body as { authCode: string };
      expect((await live.request(ID.AUTH, encodeAuth({ authCode: code.authCode }))).message.body).toMatchObject({ result: 0 });
      const started = Date.now();
      while (Date.now() - started < 2_000) {
        expect((await live.request(ID.HEARTBEAT)).message.body).toMatchObject({ result: 0 });
        await sleep(300);
      }
      // Closed after 1 s of silence (the sweep runs every 250 ms here), while the other one lives on.
      expect((await silentClosedAt) - connectedAt).toBeGreaterThanOrEqual(1_000);
      expect((await silentClosedAt) - connectedAt).toBeLessThan(1_800);
      expect(live.isOpen).toBe(true);
      live.destroy();
    });

    it('should not start the TCP server in a process without the ingest role', async () => {
      const api = await startTestApp({ ROLES: 'api' }, t.db);
      try {
        expect(api.app.get(TerminalServer).port).toBeNull();
        expect((await request(api.http).get('/health')).body.checks.terminals).toBeUndefined();
      } finally {
        await api.close();
      }
    });
  });
});
