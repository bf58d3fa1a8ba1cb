import pg from 'pg';
import request from 'supertest';
import { JT808_MESSAGE_ID as ID } from '../../src/tracking/terminal/jt808/jt808.constants.js';
import { encodeAuth, encodeBatch, type Jt808PositionInput } from '../../src/tracking/terminal/jt808/jt808.encoder.js';
import { hashAuthCode } from '../../src/tracking/terminal/terminal-directory.js';
import { TerminalServer } from '../../src/tracking/terminal/terminal.server.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createOrgWithUser } from '../helpers/fixtures.js';
import { Jt808TestClient } from './jt808-client.js';

// Admission control (admission.rules.ts): the server accepts only what the position writer commits in about
// POSITIONS_ADMISSION_MS, not the fixed POSITIONS_MAX_PENDING_ROWS (50,000 here, the default). With the writer
// blocked (a lock on positions), reports beyond the admission limit are not read at all: the server stops reading
// every socket, so nothing received while paused waits for an ACK that would come too late; TCP holds those
// reports in the terminals. Once the writer moves again, reading resumes and every report is stored and answered.
// Without admission control, the same reports (far below 50,000) would all be read and queued.

const AUTH_CODE = 'overload-test-808';
const TERMINALS = 4;
const BATCHES = 20; // per terminal and wave, under the per-connection limit of 64 unanswered frames
const PER_BATCH = 25;
const base = Math.floor(Date.now() / 1000) * 1000 - 60 * 60_000;

const fix = (second: number): Jt808PositionInput => ({
  latitude: 40.6 + second * 1e-6,
  longitude: 109.8,
  speedKmh: 30,
  direction: 90,
  altitude: 1000,
  status: 0b11,
  time: new Date(base + second * 1000),
});

// One wave: BATCHES 0x0704 frames of PER_BATCH positions, seconds from `first` on.
const wave = (c: Jt808TestClient, first: number) => {
  for (let b = 0; b < BATCHES; b++) {
    const fixes = Array.from({ length: PER_BATCH }, (_, i) => fix(first + b * PER_BATCH + i));
    c.write(c.frame(ID.BATCH_LOCATION, encodeBatch(0, fixes)));
  }
};

async function metric(t: TestApp, name: string): Promise<number> {
  const res = await request(t.http).get('/metrics');
  let sum = 0;
  for (const line of (res.text as string).split('\n')) {
    const m = /^([a-z0-9_]+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m && m[1] === name) sum += Number(m[3]);
  }
  return sum;
}

const until = async (what: string, check: () => Promise<boolean>, ms = 15_000) => {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('JT/T 808 admission control under overload (e2e)', () => {
  let t: TestApp;
  let port: number;
  let vehicleIds: string[];
  const clients: Jt808TestClient[] = [];

  beforeAll(async () => {
    // A batch size of 20 rows (the limit's floor is two batches per writer connection: 80 rows), a target of 200 ms;
    // the fixed limit stays at its default of 50,000.
    t = await startTestApp({ POSITIONS_BATCH_ROWS: '20', POSITIONS_ADMISSION_MS: '200' });
    port = t.app.get(TerminalServer).port!;
    const carrier = await createOrgWithUser(t, 'carrier', { regionCode: '150203' });
    const rows = (await t.ds.query(
      `INSERT INTO vehicles (organisation_id, plate_number, plate_colour, kind, model)
       SELECT $1, '蒙Y' || lpad(i::text, 5, '0'), 'yellow', 'truck', 'overload' FROM generate_series(1, $2::int) i RETURNING id, plate_number`,
      [carrier.org.id, TERMINALS],
    )) as { id: string; plate_number: string }[];
    rows.sort((a, b) => a.plate_number.localeCompare(b.plate_number));
    vehicleIds = rows.map((r) => r.id);
    await t.ds.query(
      `INSERT INTO terminals (organisation_id, protocol, phone, protocol_version, vehicle_id, auth_code)
       SELECT $1, 'jt808', '0137' || lpad(substr(v.plate_number, 3), 8, '0'), '2013', v.id, $2 FROM vehicles v WHERE v.id = ANY($3::uuid[])`,
      [carrier.org.id, hashAuthCode(AUTH_CODE), vehicleIds],
    );
  });
  afterEach(() => {
    for (const c of clients.splice(0)) c.destroy();
  });
  afterAll(() => t?.close());

  it('should stop reading all terminals beyond what the writer commits in time, and store and answer everything once it moves', async () => {
    for (let k = 1; k <= TERMINALS; k++) {
      const c = await Jt808TestClient.connect(port, `0137${String(k).padStart(8, '0')}`);
      clients.push(c);
      const auth = await c.request(ID.AUTH, encodeAuth({ authCode: AUTH_CODE }));
      expect(auth.message.kind === 'platformGeneralReply' && auth.message.body.result).toBe(0);
    }
    // The writer blocks: its INSERT waits for this lock.
    const blocker = new pg.Client({ connectionString: t.db.url });
    await blocker.connect();
    try {
      // A slow write: one report waits 1.5 s, far beyond the 200 ms target, and the limit is cut to what the writer
      // commits in 200 ms (its floor here).
      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE positions IN SHARE MODE');
      expect(await metric(t, 'hazway_positions_admission_limit_rows')).toBe(50_000);
      clients[0]!.write(clients[0]!.frame(ID.BATCH_LOCATION, encodeBatch(0, [fix(-1)])));
      await new Promise((r) => setTimeout(r, 1_500));
      await blocker.query('COMMIT');
      const first = await clients[0]!.read();
      expect(first.message.kind === 'platformGeneralReply' && first.message.body.result).toBe(0);
      expect(await metric(t, 'hazway_positions_admission_limit_rows')).toBeLessThan(2_000);

      await blocker.query('BEGIN');
      await blocker.query('LOCK TABLE positions IN SHARE MODE');

      // Wave 1: 4 × 20 × 25 = 2,000 positions, well over the admission limit: reading pauses.
      for (const [k, c] of clients.entries()) wave(c, k * 100_000);
      await until('reading paused', async () => (await metric(t, 'hazway_jt808_reading_paused')) === 1);
      expect(await metric(t, 'hazway_jt808_reading_pauses_total')).toBeGreaterThanOrEqual(1);
      expect((await request(t.http).get('/health')).body.checks.terminals).toMatchObject({ readingPaused: true });

      // Wave 2, written while paused: not read, so not received, not queued, not answered.
      await until('wave 1 read as far as it is read', async () => {
        const a = await metric(t, 'hazway_jt808_positions_received_total');
        await new Promise((r) => setTimeout(r, 200));
        return a === (await metric(t, 'hazway_jt808_positions_received_total'));
      });
      const receivedPaused = await metric(t, 'hazway_jt808_positions_received_total');
      for (const [k, c] of clients.entries()) wave(c, k * 100_000 + 50_000);
      await new Promise((r) => setTimeout(r, 500));
      expect(await metric(t, 'hazway_jt808_positions_received_total')).toBe(receivedPaused);
      for (const c of clients) await c.expectSilence(0);
      expect(await metric(t, 'hazway_jt808_reading_paused')).toBe(1);

      await blocker.query('COMMIT');
    } finally {
      await blocker.end();
    }

    // Everything is read, stored once and answered, in order; reading is on again.
    for (const c of clients) {
      const replies = await c.readMany(2 * BATCHES, 30_000);
      expect(replies.map((r) => (r.message.kind === 'platformGeneralReply' ? [r.message.body.replyId, r.message.body.result] : null))).toEqual(
        Array.from({ length: 2 * BATCHES }, () => [ID.BATCH_LOCATION, 0]),
      );
    }
    const [{ n }] = (await t.ds.query(`SELECT count(*)::int AS n FROM positions WHERE vehicle_id = ANY($1::uuid[])`, [vehicleIds])) as { n: number }[];
    expect(n).toBe(1 + 2 * TERMINALS * BATCHES * PER_BATCH);
    await until('reading resumed', async () => (await metric(t, 'hazway_jt808_reading_paused')) === 0);
  });
});
